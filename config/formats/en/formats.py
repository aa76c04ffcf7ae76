"""The English pages keep the French order of dates and the 24-hour clock: the platform serves
French CCAS, and an English reader there reads 05/03/2024 as the fifth of March."""

SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
