"""`kiosk run` in its own process, as deployed: the embedded server, the real card reader."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from kiosk.settings import staffpin
from tests.helpers import cards
from tests.helpers.kiosk import CHEAP
from tests.helpers.pcscd import Pcscd
from tests.helpers.server import demo_db
from tests.helpers.vpcd import VirtualCard
from tests.helpers.xvfb import wait_event


def test_a_card_tap_on_the_production_kiosk(tmp_path: Path, pcscd: Pcscd) -> None:
    db = demo_db(tmp_path / "embedded" / "checkin.db")
    config = tmp_path / "kiosk.toml"
    staff = f'[staff]\npin_hash = "{staffpin.hash_pin("246813", CHEAP)}"\n'
    config.write_text(f'[backend]\ndb = "{db}"\n[kiosk]\nlocation = 1\n{staff}')
    log = tmp_path / "events.jsonl"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config), "--event-log", str(log)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        reader = wait_event(log, "reader")
        assert reader["state"] == "ready"
        assert reader["readers"] == ["Virtual PCD 00 00", "Virtual PCD 00 01"]
        wait_event(log, "backend")  # the embedded server answered
        with VirtualCard(cards.card(bytes.fromhex("04A1B2C3D4E5F6"))):
            outcome = wait_event(log, "outcome")
        credential = wait_event(log, "credential")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert (outcome["status"], outcome["member"]) == ("checked_in", "Ada Lovelace")
    assert credential == {
        **credential,
        "kind": "card",
        "source": "pcsc:Virtual PCD 00 00",
        "value": "••••E5F6",  # a UID alone is a credential: its last 4 only
    }
    assert "Traceback" not in err
