"""The database schema as an ordered list of migrations; `PRAGMA user_version` is the index.

Append a migration to change the schema; never edit one that has shipped.
"""

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE locations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        timezone TEXT NOT NULL,
        created_on TEXT NOT NULL
    );
    CREATE TABLE plans (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        days TEXT NOT NULL,
        opens TEXT NOT NULL,
        closes TEXT NOT NULL,
        daily_limit_minutes INTEGER CHECK (daily_limit_minutes > 0)
    );
    CREATE TABLE plan_locations (
        plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
        location_id INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
        PRIMARY KEY (plan_id, location_id)
    );
    CREATE TABLE members (
        id INTEGER PRIMARY KEY,
        full_name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT,
        pin_key TEXT UNIQUE,
        teams TEXT NOT NULL DEFAULT '',
        plan_id INTEGER REFERENCES plans(id) ON DELETE SET NULL,
        plan_active INTEGER NOT NULL DEFAULT 1,
        active INTEGER NOT NULL DEFAULT 1,
        created_on TEXT NOT NULL
    );
    CREATE TABLE access_cards (
        card_id TEXT PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE
    );
    CREATE INDEX access_cards_member ON access_cards(member_id);
    CREATE TABLE access_tokens (
        token_key TEXT PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE
    );
    CREATE INDEX access_tokens_member ON access_tokens(member_id);
    CREATE TABLE time_passes (
        id INTEGER PRIMARY KEY,
        guid TEXT NOT NULL UNIQUE,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
        remaining INTEGER NOT NULL CHECK (remaining >= 0),
        valid_from TEXT NOT NULL,
        valid_until TEXT,
        created_on TEXT NOT NULL
    );
    CREATE INDEX time_passes_member ON time_passes(member_id);
    CREATE TABLE pass_days (
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        pass_guid TEXT NOT NULL,
        PRIMARY KEY (member_id, day)
    );
    CREATE TABLE checkins (
        id INTEGER PRIMARY KEY,
        unique_id TEXT NOT NULL UNIQUE,
        member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
        coworker_full_name TEXT NOT NULL,
        location_id INTEGER NOT NULL REFERENCES locations(id),
        source INTEGER NOT NULL,
        from_time TEXT NOT NULL,
        to_time TEXT,
        expires_at TEXT,
        auto_checkout INTEGER NOT NULL DEFAULT 0,
        time_pass_guid TEXT,
        teams TEXT NOT NULL DEFAULT '',
        tariff TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX checkins_one_open ON checkins(member_id) WHERE to_time IS NULL;
    CREATE INDEX checkins_member_from ON checkins(member_id, from_time);
    CREATE INDEX checkins_open_expiry ON checkins(expires_at) WHERE to_time IS NULL;
    CREATE TABLE failed_checkins (
        id INTEGER PRIMARY KEY,
        unique_id TEXT NOT NULL UNIQUE,
        member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
        coworker_full_name TEXT NOT NULL DEFAULT '',
        location_id INTEGER NOT NULL REFERENCES locations(id),
        source INTEGER NOT NULL,
        attempt_time TEXT NOT NULL,
        reason TEXT NOT NULL,
        description TEXT NOT NULL,
        teams TEXT NOT NULL DEFAULT '',
        tariff TEXT NOT NULL DEFAULT ''
    );
    """,
    """
    CREATE TABLE used_passes (
        nonce TEXT PRIMARY KEY,
        member_id INTEGER REFERENCES members(id) ON DELETE CASCADE,
        checkin_id INTEGER REFERENCES checkins(id) ON DELETE SET NULL,
        used_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    """,
    """
    -- decimal card ids are compared without their leading zeros (0005653307 is 5653307)
    UPDATE OR IGNORE access_cards SET card_id = coalesce(nullif(ltrim(card_id, '0'), ''), '0')
    WHERE card_id NOT GLOB '*[^0-9]*';
    """,
    """
    -- /health writes here: a database that cannot take a write is not healthy
    CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), at REAL NOT NULL);
    """,
    """
    -- each check-in's Nonce and the answer it got: the same nonce gets the same answer back
    CREATE TABLE answered (
        nonce TEXT PRIMARY KEY,
        answered_at TEXT NOT NULL,
        status TEXT NOT NULL,
        member_name TEXT,
        session_expire TEXT,
        reason TEXT
    );
    CREATE INDEX answered_at ON answered(answered_at);
    """,
    """
    -- when the server itself closed an expired session (its own clock, for the next tap)
    ALTER TABLE checkins ADD COLUMN closed_at TEXT;
    """,
    """
    -- devices (kiosks, doors, sensors) that may call the check-in endpoint, each with its own
    -- token (a keyed hash, as PINs are), got once in exchange for a pairing code
    CREATE TABLE devices (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'kiosk',
        token_key TEXT UNIQUE,
        created_at TEXT NOT NULL,
        paired_at TEXT,
        revoked_at TEXT
    );
    CREATE TABLE pairing_codes (
        code_key TEXT PRIMARY KEY,
        device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        expires_at TEXT NOT NULL
    );
    ALTER TABLE checkins ADD COLUMN device_id INTEGER REFERENCES devices(id);
    ALTER TABLE failed_checkins ADD COLUMN device_id INTEGER REFERENCES devices(id);
    """,
    """
    -- card ids as keyed hashes (as PINs are: a card id alone is a credential), with the last
    -- four characters for staff to tell cards apart. The pepper is not in the database: the
    -- server moves the rows left in access_cards over when it opens with the install's keys.
    CREATE TABLE card_keys (
        card_key TEXT PRIMARY KEY,
        tail TEXT NOT NULL,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE
    );
    CREATE INDEX card_keys_member ON card_keys(member_id);
    -- failed check-ins named the unknown card in full: keep its last four characters only
    UPDATE failed_checkins
    SET description = 'Access card ••••' || CASE WHEN length(description) > 34
        THEN substr(description, length(description) - 21, 4) ELSE '' END || ' is not recognised'
    WHERE description LIKE 'Access card % is not recognised';
    """,
    """
    -- the web admin's accounts: staff who sign in with an email and a password (argon2id)
    CREATE TABLE admins (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    """
    -- the web admin's sessions, by the keyed hash of their cookie, ended after idle time
    CREATE TABLE admin_sessions (
        session_key TEXT PRIMARY KEY,
        admin_id INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    -- one-time links that make the first admin account (printed once by `kiosk serve`)
    CREATE TABLE admin_links (
        link_key TEXT PRIMARY KEY,
        expires_at TEXT NOT NULL
    );
    -- what each device last said of itself every 30 s (its heartbeat)
    CREATE TABLE device_heartbeats (
        device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
        seen_at TEXT NOT NULL,
        version TEXT NOT NULL,
        reader TEXT NOT NULL,
        backend TEXT NOT NULL,
        outbox INTEGER NOT NULL,
        last_checkin TEXT,
        uptime INTEGER NOT NULL,
        applied INTEGER NOT NULL,
        problem TEXT NOT NULL
    );
    -- settings the web admin set for a device, applied at its next heartbeat: the version
    -- grows with each change, and the device says which it has applied
    CREATE TABLE device_settings (
        device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (device_id, key)
    );
    ALTER TABLE devices ADD COLUMN settings_version INTEGER NOT NULL DEFAULT 0;
    -- reports read a location's check-ins over a range of days from one index, their times
    -- as minutes since 1970 computed once, when written (an index holds a virtual column)
    ALTER TABLE checkins ADD COLUMN from_min INTEGER
        GENERATED ALWAYS AS (unixepoch(from_time) / 60) VIRTUAL;
    ALTER TABLE checkins ADD COLUMN to_min INTEGER
        GENERATED ALWAYS AS (unixepoch(to_time) / 60) VIRTUAL;
    CREATE INDEX checkins_location_from ON checkins(
        location_id, from_time, from_min, to_min, member_id, tariff, coworker_full_name
    );
    -- weekdays with opening hours of their own (a plan's Saturday 10:00-16:00)
    CREATE TABLE plan_hours (
        plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
        day INTEGER NOT NULL,
        opens TEXT NOT NULL,
        closes TEXT NOT NULL,
        PRIMARY KEY (plan_id, day)
    );
    -- members' devices by network (MAC) address, as keyed hashes with the last two bytes
    CREATE TABLE member_macs (
        mac_key TEXT PRIMARY KEY,
        tail TEXT NOT NULL,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE
    );
    CREATE INDEX member_macs_member ON member_macs(member_id);
    -- "tap it on a kiosk": the next unknown card a device reads is offered for a member
    CREATE TABLE card_offers (
        device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
        expires_at TEXT NOT NULL,
        card_key TEXT,
        tail TEXT
    );
    """,
    """
    -- Wi-Fi presence: when a session opened by a member's device was last seen on the network
    ALTER TABLE checkins ADD COLUMN seen_at TEXT;
    CREATE INDEX checkins_presence ON checkins(seen_at) WHERE to_time IS NULL AND source = 3;
    """,
    """
    -- seconds until a device's next heartbeat (a kiosk at night says 300): offline after 3
    ALTER TABLE device_heartbeats ADD COLUMN every INTEGER NOT NULL DEFAULT 30;
    """,
    """
    -- its screen went dark (display.sleep_after): no heartbeat until it wakes, not offline
    ALTER TABLE device_heartbeats ADD COLUMN asleep INTEGER NOT NULL DEFAULT 0;
    """,
)
