"""Indonesian formats as the Puskesmas writes them: one date format (17-08-1985), one time
format (15.08), Indonesian decimals (100,0). Django's own `id` formats mix "j N Y" and "G.i";
staff compare times across the TV, the ticket and the reports, so every page uses these."""

DATE_FORMAT = "d-m-Y"
DATETIME_FORMAT = "d-m-Y H.i"
TIME_FORMAT = "H.i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H.i"
FIRST_DAY_OF_WEEK = 1  # Monday

# KTP order first; ISO stays accepted (the API and <input type=date> send it).
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d%m%Y"]
TIME_INPUT_FORMATS = ["%H.%M", "%H:%M", "%H.%M.%S", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",  # <input type=datetime-local>
    "%Y-%m-%dT%H:%M:%S",
    "%d-%m-%Y %H.%M",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
