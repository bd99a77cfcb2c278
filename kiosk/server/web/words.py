"""The web admin's words in the members' four languages: English is the key, each other
language a catalogue beside it; a word missing from a catalogue shows in English.

>>> Words.choose("fr-CH, fr;q=0.9, en;q=0.8")("Members")
'Membres'
>>> Words.choose("pt-BR")("Members"), Words.choose("de")("A word not yet translated")
('Members', 'A word not yet translated')
"""

from __future__ import annotations

import dataclasses

LANGUAGES = ("en", "de", "fr", "es")

CATALOGUE: dict[str, dict[str, str]] = {
    "de": {
        "Who's in": "Wer ist da",
        "Members": "Mitglieder",
        "Plans": "Tarife",
        "Locations": "Standorte",
        "Reports": "Berichte",
        "Kiosks": "Kiosks",
        "Sign in": "Anmelden",
        "Sign out": "Abmelden",
        "Email": "E-Mail",
        "Password": "Passwort",
        "Search": "Suchen",
        "Add member": "Mitglied hinzufügen",
        "Name": "Name",
        "Plan": "Tarif",
        "Active": "Aktiv",
        "Disabled": "Deaktiviert",
        "In now": "Jetzt da",
        "Save": "Speichern",
        "Remove": "Entfernen",
        "Check out": "Auschecken",
        "Failed check-ins": "Fehlgeschlagene Check-ins",
        "Since": "Seit",
        "Until": "Bis",
        "Location": "Standort",
        "Export": "Exportieren",
        "Online": "Online",
        "Offline": "Offline",
        "Asleep": "Schläft",
        "Nobody is in.": "Niemand ist da.",
        "Wrong email or password.": "E-Mail oder Passwort falsch.",
    },
    "fr": {
        "Who's in": "Présents",
        "Members": "Membres",
        "Plans": "Formules",
        "Locations": "Sites",
        "Reports": "Rapports",
        "Kiosks": "Bornes",
        "Sign in": "Se connecter",
        "Sign out": "Se déconnecter",
        "Email": "E-mail",
        "Password": "Mot de passe",
        "Search": "Rechercher",
        "Add member": "Ajouter un membre",
        "Name": "Nom",
        "Plan": "Formule",
        "Active": "Actif",
        "Disabled": "Désactivé",
        "In now": "Présent",
        "Save": "Enregistrer",
        "Remove": "Supprimer",
        "Check out": "Faire sortir",
        "Failed check-ins": "Entrées refusées",
        "Since": "Depuis",
        "Until": "Jusqu'à",
        "Location": "Site",
        "Export": "Exporter",
        "Online": "En ligne",
        "Offline": "Hors ligne",
        "Asleep": "En veille",
        "Nobody is in.": "Personne n'est là.",
        "Wrong email or password.": "E-mail ou mot de passe incorrect.",
    },
    "es": {
        "Who's in": "Quién está",
        "Members": "Miembros",
        "Plans": "Planes",
        "Locations": "Sedes",
        "Reports": "Informes",
        "Kiosks": "Quioscos",
        "Sign in": "Iniciar sesión",
        "Sign out": "Cerrar sesión",
        "Email": "Correo electrónico",
        "Password": "Contraseña",
        "Search": "Buscar",
        "Add member": "Añadir miembro",
        "Name": "Nombre",
        "Plan": "Plan",
        "Active": "Activo",
        "Disabled": "Desactivado",
        "In now": "Presente",
        "Save": "Guardar",
        "Remove": "Eliminar",
        "Check out": "Registrar salida",
        "Failed check-ins": "Entradas fallidas",
        "Since": "Desde",
        "Until": "Hasta",
        "Location": "Sede",
        "Export": "Exportar",
        "Online": "En línea",
        "Offline": "Sin conexión",
        "Asleep": "En reposo",
        "Nobody is in.": "No hay nadie.",
        "Wrong email or password.": "Correo o contraseña incorrectos.",
    },
}


@dataclasses.dataclass(frozen=True)
class Words:
    """The words of one language; calling it translates, then fills ``{name}`` fields."""

    language: str = "en"

    def __call__(self, text: str, **fields: object) -> str:
        said = CATALOGUE.get(self.language, {}).get(text, text)
        return said.format(**fields) if fields else said

    @classmethod
    def choose(cls, accept_language: str) -> Words:
        """The best of our languages for a browser's ``Accept-Language``; English otherwise."""
        ranked: list[tuple[float, int, str]] = []
        for index, part in enumerate(accept_language.split(",")[:20]):
            tag, _, params = part.strip().partition(";")
            weight = 1.0
            if params.strip().startswith("q="):
                try:
                    weight = float(params.strip()[2:])
                except ValueError:
                    weight = 0.0
            ranked.append((-weight, index, tag.split("-")[0].strip().lower()))
        for _, _, language in sorted(ranked):
            if language in LANGUAGES:
                return cls(language)
        return cls()
