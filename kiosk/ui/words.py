"""The members' screens in the kiosk's language (`kiosk.language`); English is the source.

    words = Words(Language.DE)
    words("Welcome, {name}", name="Ada")      # 'Willkommen, Ada'
    words.date(now)                           # 'Montag, 2. März'
    Words(Language.EN, "en_US").time(now)      # '6:05 PM'

Every text a member reads goes through a `Words`; each catalogue translates every source text
(tests/unit/ui/test_words.py keeps them complete). A text missing from a catalogue shows in English.
Staff mode stays in English.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from PySide6.QtCore import QDate, QLocale, QTime

from kiosk.settings.model import Language

_DE = {
    # idle
    "Check in or out": "Ein- oder auschecken",
    "Enter PIN": "PIN eingeben",
    "Tap your card or phone": "Karte oder Handy auflegen",
    "Scan your pass": "Pass scannen",
    "Hold your QR pass up to the camera": "QR-Pass vor die Kamera halten",
    "● Reader: {state}": "● Leser: {state}",
    "Card reader unavailable": "Kartenleser nicht verfügbar",
    "Camera unavailable": "Kamera nicht verfügbar",
    "please use your PIN": "bitte PIN verwenden",
    "please use your email": "bitte E-Mail verwenden",
    "please see reception": "bitte an den Empfang wenden",
    "● Camera: {state}": "● Kamera: {state}",
    "● Check-in: {state}": "● Check-in: {state}",
    "online": "online",
    "offline": "offline",
    "connecting…": "verbinde…",
    "server problem — {count} saved locally": "Serverproblem – {count} lokal gespeichert",
    "online — sending {count} saved": "online – sende {count} gespeicherte",
    "ready": "bereit",
    "no reader connected": "kein Leser angeschlossen",
    "card service not running": "Kartendienst läuft nicht",
    "not available": "nicht verfügbar",
    "no camera found": "keine Kamera gefunden",
    "not working": "gestört",
    # PIN pad, ask, busy
    "Enter your PIN": "Bitte PIN eingeben",
    "OK": "OK",
    "Cancel": "Abbrechen",
    "Clear": "Löschen",
    "A PIN has {low} to {high} digits": "Eine PIN hat {low} bis {high} Ziffern",
    "Arriving or leaving?": "Kommen oder gehen?",
    "{name}, arriving or leaving?": "{name}, kommen oder gehen?",
    "Check in": "Einchecken",
    "Check out": "Auschecken",
    "Checking…": "Einen Moment…",
    # results
    "Welcome": "Willkommen",
    "Welcome, {name}": "Willkommen, {name}",
    "Goodbye": "Auf Wiedersehen",
    "Goodbye, {name}": "Auf Wiedersehen, {name}",
    "Thank you": "Danke",
    "Thank you, {name}": "Danke, {name}",
    "You are checked in": "Sie sind eingecheckt",
    "Enjoy your day.": "Einen schönen Tag!",
    "You are checked out": "Sie sind ausgecheckt",
    "Your check-in is saved": "Ihr Check-in ist gespeichert",
    "It will be sent as soon as the kiosk is back online.": (
        "Er wird gesendet, sobald das Terminal wieder online ist."
    ),
    "Checked in until {until} · {left}": "Eingecheckt bis {until} · {left}",
    "less than a minute left": "noch weniger als eine Minute",
    "{minutes} min left": "noch {minutes} Min.",
    "{hours} h left": "noch {hours} Std.",
    "{hours} h {minutes} min left": "noch {hours} Std. {minutes} Min.",
    "{days} days left": "noch {days} Tage",
    # reasons
    "Not recognised": "Nicht erkannt",
    "No valid pass": "Kein gültiger Pass",
    "Your plan is not active": "Ihr Tarif ist nicht aktiv",
    "Your account is disabled": "Ihr Konto ist gesperrt",
    "Your plan does not include this location": "Ihr Tarif gilt nicht für diesen Standort",
    "Your plan does not allow access at this time": (
        "Ihr Tarif erlaubt zu dieser Zeit keinen Zutritt"
    ),
    "You have used today's time on your plan": "Ihre Zeit für heute ist aufgebraucht",
    "You are not checked in": "Sie sind nicht eingecheckt",
    "This pass is not valid": "Dieser Pass ist nicht gültig",
    "Too many attempts": "Zu viele Versuche",
    "This kiosk cannot check you in that way": "So kann dieses Terminal Sie nicht einchecken",
    "Check-in is unavailable right now": "Check-in ist gerade nicht möglich",
    "Something went wrong": "Etwas ist schiefgegangen",
    "Check-in was refused": "Check-in abgelehnt",
    "Open the member app and tap again": "Mitglieder-App öffnen und erneut auflegen",
    "Could not read your card or phone": "Karte oder Handy nicht lesbar",
    "This code is not a check-in pass": "Dieser Code ist kein Check-in-Pass",
    "Could not read this code": "Code nicht lesbar",
    "Please see reception.": "Bitte wenden Sie sich an den Empfang.",
    "Nothing to do: you can go.": "Nichts zu tun: Sie können gehen.",
    "It may have expired or been used.": "Er ist vielleicht abgelaufen oder schon benutzt.",
    "Please wait a moment and try again.": "Bitte kurz warten und erneut versuchen.",
    "Please try again.": "Bitte erneut versuchen.",
    "Unlock your phone, open the app, then hold it on the reader.": (
        "Handy entsperren, App öffnen und ans Lesegerät halten."
    ),
    "Please tap again and hold it still.": "Bitte erneut auflegen und ruhig halten.",
    "Please show the QR pass you were sent, or see reception.": (
        "Bitte den zugesandten QR-Pass zeigen oder zum Empfang gehen."
    ),
    "No desk booked for today": "Für heute ist kein Platz gebucht",
    "Book one in the app, or see reception.": "Bitte in der App buchen oder zum Empfang gehen.",
    "Please complete your self-certification first": "Bitte zuerst die Selbstauskunft ausfüllen",
    "Answer it in the app, then check in again.": "In der App beantworten, dann erneut einchecken.",
    "Please try again in {seconds} s.": "Bitte in {seconds} s erneut versuchen.",
    "Use your email": "Mit E-Mail",
    "Enter your email": "Bitte E-Mail-Adresse eingeben",
    "name@example.com": "name@beispiel.de",
    "Password": "Passwort",
    "Please type your full email address": "Bitte die vollständige E-Mail-Adresse eingeben",
    "Please type your password": "Bitte das Passwort eingeben",
    "Try again": "Erneut versuchen",
    "You are arriving": "Sie kommen an",
    "You are leaving": "Sie gehen",
    "Check your PIN": "PIN prüfen",
    "Check in with this email address": "Mit dieser E-Mail-Adresse einchecken",
    "Type it again": "Noch einmal eingeben",
    "Open the keypad to type your PIN": "Tastenfeld für Ihre PIN öffnen",
    "Open a keyboard to type your email address": "Tastatur für Ihre E-Mail-Adresse öffnen",
    "Sound on": "Ton an",
    "Sound off": "Ton aus",
    "Hear a sound with your result": "Ein Ton zu Ihrem Ergebnis",
    "Logo": "Logo",
    "Delete last digit": "Letzte Ziffer löschen",
    "PIN": "PIN",
    "{count} digits typed": "{count} Ziffern eingegeben",
    "Email address": "E-Mail-Adresse",
    "Space": "Leerzeichen",
    "Delete": "Entfernen",
    "Shift": "Umschalt",
    "Letters": "Buchstaben",
    "Digits and symbols": "Ziffern und Zeichen",
    "Keep": "Behalten",
    "Done": "Fertig",
    "Keep this on screen": "Auf dem Bildschirm lassen",
    "Back to the start": "Zurück zum Anfang",
}
_FR = {
    "Check in or out": "Arrivée ou départ",
    "Enter PIN": "Saisir le code",
    "Tap your card or phone": "Présentez votre carte ou téléphone",
    "Scan your pass": "Scannez votre pass",
    "Hold your QR pass up to the camera": "Présentez votre pass QR à la caméra",
    "● Reader: {state}": "● Lecteur : {state}",
    "Card reader unavailable": "Lecteur de cartes indisponible",
    "Camera unavailable": "Caméra indisponible",
    "please use your PIN": "utilisez votre PIN",
    "please use your email": "utilisez votre e-mail",
    "please see reception": "adressez-vous à l'accueil",
    "● Camera: {state}": "● Caméra : {state}",
    "● Check-in: {state}": "● Enregistrement : {state}",
    "online": "en ligne",
    "offline": "hors ligne",
    "connecting…": "connexion…",
    "server problem — {count} saved locally": "problème de serveur – {count} enregistrés ici",
    "online — sending {count} saved": "en ligne – envoi de {count} enregistrés",
    "ready": "prêt",
    "no reader connected": "aucun lecteur branché",
    "card service not running": "service de cartes arrêté",
    "not available": "indisponible",
    "no camera found": "aucune caméra trouvée",
    "not working": "en panne",
    "Enter your PIN": "Saisissez votre code",
    "OK": "OK",
    "Cancel": "Annuler",
    "Clear": "Effacer",
    "A PIN has {low} to {high} digits": "Un code a de {low} à {high} chiffres",
    "Arriving or leaving?": "Vous arrivez ou vous partez ?",
    "{name}, arriving or leaving?": "{name}, vous arrivez ou vous partez ?",
    "Check in": "Arrivée",
    "Check out": "Départ",
    "Checking…": "Vérification…",
    "Welcome": "Bienvenue",
    "Welcome, {name}": "Bienvenue, {name}",
    "Goodbye": "Au revoir",
    "Goodbye, {name}": "Au revoir, {name}",
    "Thank you": "Merci",
    "Thank you, {name}": "Merci, {name}",
    "You are checked in": "Votre arrivée est enregistrée",
    "Enjoy your day.": "Bonne journée !",
    "You are checked out": "Votre départ est enregistré",
    "Your check-in is saved": "Votre arrivée est mémorisée",
    "It will be sent as soon as the kiosk is back online.": (
        "Elle sera transmise dès que la borne sera de nouveau en ligne."
    ),
    "Checked in until {until} · {left}": "Présent jusqu'à {until} · {left}",
    "less than a minute left": "moins d'une minute restante",
    "{minutes} min left": "{minutes} min restantes",
    "{hours} h left": "{hours} h restantes",
    "{hours} h {minutes} min left": "{hours} h {minutes} min restantes",
    "{days} days left": "{days} jours restants",
    "Not recognised": "Non reconnu",
    "No valid pass": "Aucun pass valide",
    "Your plan is not active": "Votre abonnement n'est pas actif",
    "Your account is disabled": "Votre compte est désactivé",
    "Your plan does not include this location": "Votre abonnement n'inclut pas ce site",
    "Your plan does not allow access at this time": (
        "Votre abonnement ne permet pas l'accès à cette heure"
    ),
    "You have used today's time on your plan": "Vous avez utilisé votre temps du jour",
    "You are not checked in": "Vous n'êtes pas enregistré",
    "This pass is not valid": "Ce pass n'est pas valide",
    "Too many attempts": "Trop de tentatives",
    "This kiosk cannot check you in that way": "Cette borne ne peut pas vous enregistrer ainsi",
    "Check-in is unavailable right now": "L'enregistrement est indisponible pour le moment",
    "Something went wrong": "Une erreur est survenue",
    "Check-in was refused": "Enregistrement refusé",
    "Open the member app and tap again": "Ouvrez l'application membre et présentez à nouveau",
    "Could not read your card or phone": "Carte ou téléphone illisible",
    "This code is not a check-in pass": "Ce code n'est pas un pass d'accès",
    "Could not read this code": "Code illisible",
    "Please see reception.": "Veuillez vous adresser à l'accueil.",
    "Nothing to do: you can go.": "Rien à faire : vous pouvez partir.",
    "It may have expired or been used.": "Il a peut-être expiré ou déjà servi.",
    "Please wait a moment and try again.": "Patientez un instant puis réessayez.",
    "Please try again.": "Veuillez réessayer.",
    "Unlock your phone, open the app, then hold it on the reader.": (
        "Déverrouillez votre téléphone, ouvrez l'application, puis posez-le sur le lecteur."
    ),
    "Please tap again and hold it still.": "Présentez-la à nouveau sans bouger.",
    "Please show the QR pass you were sent, or see reception.": (
        "Montrez le pass QR reçu, ou adressez-vous à l'accueil."
    ),
    "No desk booked for today": "Aucun poste réservé pour aujourd'hui",
    "Book one in the app, or see reception.": (
        "Réservez-en un dans l'application, ou voyez l'accueil."
    ),
    "Please complete your self-certification first": (
        "Veuillez d'abord remplir votre auto-déclaration"
    ),
    "Answer it in the app, then check in again.": "Répondez-y dans l'application, puis réessayez.",
    "Please try again in {seconds} s.": "Veuillez réessayer dans {seconds} s.",
    "Use your email": "Avec votre e-mail",
    "Enter your email": "Saisissez votre e-mail",
    "name@example.com": "nom@exemple.fr",
    "Password": "Mot de passe",
    "Please type your full email address": "Veuillez saisir votre adresse e-mail complète",
    "Please type your password": "Veuillez saisir votre mot de passe",
    "Try again": "Réessayer",
    "You are arriving": "Vous arrivez",
    "You are leaving": "Vous partez",
    "Check your PIN": "Vérifier votre code",
    "Check in with this email address": "Vous enregistrer avec cette adresse e-mail",
    "Type it again": "Le saisir à nouveau",
    "Open the keypad to type your PIN": "Ouvrir le pavé pour saisir votre code",
    "Open a keyboard to type your email address": (
        "Ouvrir un clavier pour saisir votre adresse e-mail"
    ),
    "Sound on": "Son activé",
    "Sound off": "Son coupé",
    "Hear a sound with your result": "Un son avec votre résultat",
    "Logo": "Logo",
    "Delete last digit": "Effacer le dernier chiffre",
    "PIN": "Code PIN",
    "{count} digits typed": "{count} chiffres saisis",
    "Email address": "Adresse e-mail",
    "Space": "Espace",
    "Delete": "Supprimer",
    "Shift": "Majuscule",
    "Letters": "Lettres",
    "Digits and symbols": "Chiffres et symboles",
    "Keep": "Garder",
    "Done": "Terminé",
    "Keep this on screen": "Garder à l'écran",
    "Back to the start": "Retour à l'accueil",
}
_ES = {
    "Check in or out": "Entrada o salida",
    "Enter PIN": "Introducir PIN",
    "Tap your card or phone": "Acerque su tarjeta o móvil",
    "Scan your pass": "Escanee su pase",
    "Hold your QR pass up to the camera": "Muestre su pase QR a la cámara",
    "● Reader: {state}": "● Lector: {state}",
    "Card reader unavailable": "Lector de tarjetas no disponible",
    "Camera unavailable": "Cámara no disponible",
    "please use your PIN": "use su PIN",
    "please use your email": "use su correo electrónico",
    "please see reception": "diríjase a recepción",
    "● Camera: {state}": "● Cámara: {state}",
    "● Check-in: {state}": "● Registro: {state}",
    "online": "en línea",
    "offline": "sin conexión",
    "connecting…": "conectando…",
    "server problem — {count} saved locally": "problema del servidor – {count} guardados aquí",
    "online — sending {count} saved": "en línea – enviando {count} guardados",
    "ready": "listo",
    "no reader connected": "ningún lector conectado",
    "card service not running": "el servicio de tarjetas no funciona",
    "not available": "no disponible",
    "no camera found": "no se encuentra la cámara",
    "not working": "no funciona",
    "Enter your PIN": "Introduzca su PIN",
    "OK": "Aceptar",
    "Cancel": "Cancelar",
    "Clear": "Borrar",
    "A PIN has {low} to {high} digits": "Un PIN tiene de {low} a {high} cifras",
    "Arriving or leaving?": "¿Llega o se va?",
    "{name}, arriving or leaving?": "{name}, ¿llega o se va?",
    "Check in": "Entrada",
    "Check out": "Salida",
    "Checking…": "Comprobando…",
    "Welcome": "Bienvenido",
    "Welcome, {name}": "Bienvenido, {name}",
    "Goodbye": "Hasta luego",
    "Goodbye, {name}": "Hasta luego, {name}",
    "Thank you": "Gracias",
    "Thank you, {name}": "Gracias, {name}",
    "You are checked in": "Entrada registrada",
    "Enjoy your day.": "¡Que tenga un buen día!",
    "You are checked out": "Salida registrada",
    "Your check-in is saved": "Su entrada está guardada",
    "It will be sent as soon as the kiosk is back online.": (
        "Se enviará en cuanto el terminal vuelva a estar en línea."
    ),
    "Checked in until {until} · {left}": "Registrado hasta las {until} · {left}",
    "less than a minute left": "queda menos de un minuto",
    "{minutes} min left": "quedan {minutes} min",
    "{hours} h left": "quedan {hours} h",
    "{hours} h {minutes} min left": "quedan {hours} h {minutes} min",
    "{days} days left": "quedan {days} días",
    "Not recognised": "No reconocido",
    "No valid pass": "Ningún pase válido",
    "Your plan is not active": "Su plan no está activo",
    "Your account is disabled": "Su cuenta está desactivada",
    "Your plan does not include this location": "Su plan no incluye este centro",
    "Your plan does not allow access at this time": "Su plan no permite el acceso a esta hora",
    "You have used today's time on your plan": "Ha agotado el tiempo de hoy de su plan",
    "You are not checked in": "No tiene la entrada registrada",
    "This pass is not valid": "Este pase no es válido",
    "Too many attempts": "Demasiados intentos",
    "This kiosk cannot check you in that way": "Este terminal no puede registrarle así",
    "Check-in is unavailable right now": "El registro no está disponible ahora",
    "Something went wrong": "Algo ha fallado",
    "Check-in was refused": "Registro rechazado",
    "Open the member app and tap again": "Abra la app de socios y acerque de nuevo",
    "Could not read your card or phone": "No se pudo leer su tarjeta o móvil",
    "This code is not a check-in pass": "Este código no es un pase de entrada",
    "Could not read this code": "No se pudo leer este código",
    "Please see reception.": "Por favor, diríjase a recepción.",
    "Nothing to do: you can go.": "No hace falta nada: puede irse.",
    "It may have expired or been used.": "Puede que haya caducado o ya se haya usado.",
    "Please wait a moment and try again.": "Espere un momento e inténtelo de nuevo.",
    "Please try again.": "Inténtelo de nuevo.",
    "Unlock your phone, open the app, then hold it on the reader.": (
        "Desbloquee el móvil, abra la app y acérquelo al lector."
    ),
    "Please tap again and hold it still.": "Acérquela de nuevo sin moverla.",
    "Please show the QR pass you were sent, or see reception.": (
        "Muestre el pase QR que recibió o diríjase a recepción."
    ),
    "No desk booked for today": "No hay puesto reservado para hoy",
    "Book one in the app, or see reception.": "Resérvelo en la app o acuda a recepción.",
    "Please complete your self-certification first": "Complete primero su autodeclaración",
    "Answer it in the app, then check in again.": "Respóndala en la app y vuelva a registrarse.",
    "Please try again in {seconds} s.": "Inténtelo de nuevo en {seconds} s.",
    "Use your email": "Con su e-mail",
    "Enter your email": "Introduzca su e-mail",
    "name@example.com": "nombre@ejemplo.es",
    "Password": "Contraseña",
    "Please type your full email address": "Introduzca su dirección de e-mail completa",
    "Please type your password": "Introduzca su contraseña",
    "Try again": "Volver a intentarlo",
    "You are arriving": "Está llegando",
    "You are leaving": "Se está yendo",
    "Check your PIN": "Comprobar su PIN",
    "Check in with this email address": "Registrarse con este correo electrónico",
    "Type it again": "Escribirlo de nuevo",
    "Open the keypad to type your PIN": "Abrir el teclado numérico para su PIN",
    "Open a keyboard to type your email address": "Abrir un teclado para su correo electrónico",
    "Sound on": "Sonido activado",
    "Sound off": "Sonido desactivado",
    "Hear a sound with your result": "Un sonido con su resultado",
    "Logo": "Logotipo",
    "Delete last digit": "Borrar el último dígito",
    "PIN": "PIN",
    "{count} digits typed": "{count} dígitos introducidos",
    "Email address": "Correo electrónico",
    "Space": "Espacio",
    "Delete": "Borrar",
    "Shift": "Mayúsculas",
    "Letters": "Letras",
    "Digits and symbols": "Números y símbolos",
    "Keep": "Mantener",
    "Done": "Listo",
    "Keep this on screen": "Mantener en pantalla",
    "Back to the start": "Volver al inicio",
}
CATALOGUES: dict[Language, dict[str, str]] = {
    Language.EN: {},
    Language.DE: _DE,
    Language.FR: _FR,
    Language.ES: _ES,
}

# each language's usual locale, when `kiosk.locale` names none of that language
USUAL = {Language.EN: "en_GB", Language.DE: "de_DE", Language.FR: "fr_FR", Language.ES: "es_ES"}
_YEAR = re.compile(r"[\s,]*(?:'de'\s*)?y+[\s.,]*")  # a long date's year, and what ties it on


@dataclasses.dataclass(frozen=True)
class Words:
    """Texts, dates and times in one language; `locale` (like ``en_US``) decides how dates
    and times are written, if it is of that language (else the language's usual locale)."""

    language: Language = Language.EN
    locale: str = ""

    def __call__(self, text: str, **values: object) -> str:
        """`text` in this language, its ``{placeholders}`` filled from `values`."""
        translated = CATALOGUES[self.language].get(text, text)
        return translated.format(**values) if values else translated

    def qlocale(self) -> QLocale:
        """The Qt locale dates and times are written in."""
        usual = QLocale(USUAL[self.language])
        wanted = QLocale(self.locale) if self.locale else usual
        return wanted if wanted.language() == usual.language() else usual

    def date(self, moment: datetime) -> str:
        """The long date without its year: ``Monday, 2 March`` (en_GB), ``Monday, March 2``
        (en_US), ``Montag, 2. März``."""
        locale = self.qlocale()
        return locale.toString(_day(moment), _without_year(locale))

    def time(self, moment: datetime) -> str:
        """``18:00``, or ``6:00 PM`` where the locale uses a 12-hour clock."""
        locale = self.qlocale()
        return locale.toString(QTime(moment.hour, moment.minute), QLocale.FormatType.ShortFormat)

    def day_and_time(self, moment: datetime, within_week: bool) -> str:
        """``Tue 18:00`` within a week, else ``5 Mar 18:00`` (each in the locale's way)."""
        locale = self.qlocale()
        if within_week:
            day = locale.toString(_day(moment), "ddd")
        else:
            pattern = re.sub(r"d{4}[\s,]*", "", _without_year(locale)).replace("MMMM", "MMM")
            day = locale.toString(_day(moment), pattern.strip(" ,"))
        return f"{day} {self.time(moment)}"


def _day(moment: datetime) -> QDate:
    return QDate(moment.year, moment.month, moment.day)


def _without_year(locale: QLocale) -> str:
    return _YEAR.sub("", locale.dateFormat(QLocale.FormatType.LongFormat)).strip(" ,")
