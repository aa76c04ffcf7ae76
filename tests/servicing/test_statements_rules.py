"""Reading a bank statement (servicing.rules.statements), without the database: encodings,
separators, French and ISO dates, French amounts, header names, and the refusals of a file that
cannot be read, each naming its line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from microcredit.loans.rules import KEEP_END_DATE, KEEP_INSTALLMENT, MAX_BATCH, RepaymentLine
from microcredit.servicing.rules.statements import (
    EXAMPLE,
    MAX_BYTES,
    StatementError,
    decode,
    line_reason,
    parse_statement,
)
from tests.servicing.statement_helpers import statement


def refusal(content: bytes) -> list[str]:
    with pytest.raises(StatementError) as caught:
        parse_statement(content)
    return caught.value.messages


def test_latin1_with_semicolons_french_dates_and_comma_decimals() -> None:
    content = statement(
        [
            ["VIR-1", "MC-2027-00001", "06/12/2026", "52,17"],
            ["VIR-2", "MC-2027-00002", "7/1/2027", "1 234,56"],  # ordinary space
            ["VIR-3", "MC-2027-00003", "08.01.2027", "1\xa0000,5"],  # no-break space
        ],
        header=("Référence", "Numéro de dossier", "Date de l'opération", "Montant (€)"),
        encoding="cp1252",
    )
    assert "é".encode("cp1252") in content  # really Latin-1, not UTF-8
    read = parse_statement(content)
    assert (read.encoding, read.delimiter) == ("cp1252", ";")
    assert read.repayments == [
        RepaymentLine("VIR-1", "MC-2027-00001", date(2026, 12, 6), Decimal("52.17")),
        RepaymentLine("VIR-2", "MC-2027-00002", date(2027, 1, 7), Decimal("1234.56")),
        RepaymentLine("VIR-3", "MC-2027-00003", date(2027, 1, 8), Decimal("1000.5")),
    ]
    assert [line.number for line in read.lines] == [2, 3, 4]  # the header is line 1
    # 52.17 + 1234.56 + 1000.50 = 2287.23
    assert read.total == Decimal("2287.23")


def test_utf8_with_bom_commas_iso_dates_and_the_apis_names() -> None:
    content = b"\xef\xbb\xbf" + statement(
        [
            ["VIR-1", "MC-2027-00001", "2027-04-10", "52.17"],
            ["VIR-2", "MC-2027-00002", "2027-04-11", '"1 234,56"'],  # quoted: comma decimal
        ],
        header=("reference", "dossier_number", "date", "amount"),
        delimiter=",",
        newline="\n",
    )
    read = parse_statement(content)
    assert (read.encoding, read.delimiter) == ("utf-8-sig", ",")
    assert [(r.reference, r.date, r.amount) for r in read.repayments] == [
        ("VIR-1", date(2027, 4, 10), Decimal("52.17")),
        ("VIR-2", date(2027, 4, 11), Decimal("1234.56")),
    ]


def test_utf8_without_bom_headers_without_accents_in_any_order_other_columns_ignored() -> None:
    content = statement(
        [["Virement M. X", "10/04/2027", "52,17", "MC-2027-00001", "VIR-1", "1 000,00"]],
        header=("Libellé", "DATE", "montant", "dossier", "REFERENCE", "Solde"),
        delimiter="\t",
    )
    read = parse_statement(content)
    assert (read.encoding, read.delimiter) == ("utf-8", "\t")
    assert read.repayments == [
        RepaymentLine("VIR-1", "MC-2027-00001", date(2027, 4, 10), Decimal("52.17"))
    ]


def test_the_optional_early_repayment_columns() -> None:
    content = statement(
        [
            ["VIR-1", "MC-1", "10/04/2027", "500", "oui", "date de fin"],
            ["VIR-2", "MC-1", "10/04/2027", "500", "OUI", "Mensualité"],
            ["VIR-3", "MC-1", "10/04/2027", "50", "", ""],
            ["VIR-4", "MC-1", "10/04/2027", "50", "non", "mensualite"],
        ],
        header=(*("référence", "dossier", "date", "montant"), "Remboursement anticipé", "Choix"),
    )
    read = parse_statement(content)
    assert [(r.early_repayment, r.early_repayment_keep) for r in read.repayments] == [
        (True, KEEP_END_DATE),
        (True, KEEP_INSTALLMENT),
        (False, KEEP_INSTALLMENT),
        (False, KEEP_INSTALLMENT),
    ]


def test_the_documented_example_reads() -> None:
    read = parse_statement(EXAMPLE.encode())
    assert [r.amount for r in read.repayments] == [Decimal("52.17"), Decimal("1234.56")]


def test_blank_lines_and_a_spreadsheets_sep_line_are_skipped() -> None:
    content = b"sep=,\r\n\r\nreference,dossier,date,montant\r\n\r\nVIR-1,MC-1,10/04/2027,5\r\n"
    read = parse_statement(content)
    assert [(line.number, line.repayment.reference) for line in read.lines] == [(5, "VIR-1")]


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"") == ["Le fichier est vide."]
    assert refusal(b"\xef\xbb\xbf \r\n ;;\r\n") == ["Le fichier est vide."]


def test_a_file_with_only_its_header_is_refused() -> None:
    [message] = refusal(statement([]))
    assert "aucun remboursement" in message


def test_a_missing_column_is_named() -> None:
    [message] = refusal(statement([["VIR-1", "10/04/2027"]], header=("Réf.", "Date")))
    assert "colonnes manquantes : « dossier », « montant »" in message
    assert "« Réf. » ; « Date »" in message


def test_two_columns_for_one_role_are_refused() -> None:
    [message] = refusal(
        statement(
            [], header=("référence", "dossier", "date d'opération", "date de valeur", "montant")
        )
    )
    assert "« date d'opération » et « date de valeur »" in message


def test_each_bad_line_is_named_and_nothing_is_read() -> None:
    messages = refusal(
        statement(
            [
                ["VIR-1", "MC-1", "10/04/2027", "52,17"],
                ["VIR-2", "MC-1", "31/02/2027", "52,17"],
                ["", "", "10/04/27", "cinquante"],
                ["VIR-4", "MC-1", "10/04/2027"],
            ]
        )
    )
    assert messages == [
        "Ligne 3 : la date « 31/02/2027 » n'existe pas.",
        "Ligne 4 : la référence de la banque est vide.",
        "Ligne 4 : le numéro de dossier est vide.",
        "Ligne 4 : « 10/04/27 » n'est pas une date (JJ/MM/AAAA ou AAAA-MM-JJ).",
        "Ligne 4 : le montant « cinquante » n'est pas un nombre.",
        "Ligne 5 : 3 colonnes au lieu des 4 de l'en-tête.",
    ]


def test_an_unquoted_comma_decimal_with_comma_separators_is_explained() -> None:
    [message] = refusal(statement([["VIR-1", "MC-1", "10/04/2027", "52,17"]], delimiter=","))
    assert message.startswith("Ligne 2 : 5 colonnes au lieu des 4")
    assert "entre guillemets" in message


def test_an_unknown_early_repayment_choice_is_named() -> None:
    [message] = refusal(
        statement(
            [["VIR-1", "MC-1", "10/04/2027", "5", "peut-être", ""]],
            header=(*("référence", "dossier", "date", "montant"), "anticipé", "choix"),
        )
    )
    assert message.startswith("Ligne 2 : « peut-être » ne dit pas")


def test_at_most_max_batch_lines() -> None:
    rows = [[f"VIR-{n}", "MC-1", "10/04/2027", "1"] for n in range(MAX_BATCH)]
    assert len(parse_statement(statement(rows)).lines) == MAX_BATCH
    [message] = refusal(statement([*rows, ["VIR-X", "MC-1", "10/04/2027", "1"]]))
    assert f"plus de {MAX_BATCH} remboursements" in message


def test_a_file_above_the_size_limit_or_binary_is_refused() -> None:
    with pytest.raises(StatementError, match="dépasse 256 Ko"):
        decode(b"x" * (MAX_BYTES + 1))
    with pytest.raises(StatementError, match="n'est pas un fichier CSV"):
        decode("référence;dossier".encode("utf-16"))


def test_latin1_bytes_that_windows_1252_lacks_still_read() -> None:
    text, encoding = decode(b"r\xe9f\x81;dossier")
    assert (text, encoding) == ("réf\x81;dossier", "latin-1")


def test_the_loans_services_line_prefix_is_removed() -> None:
    reason = line_reason(
        "Ligne 2 (référence « VIR : 1 ») : le dossier « X » est inconnu de la banque.",
        index=2,
        reference="VIR : 1",
    )
    assert reason == "le dossier « X » est inconnu de la banque."
    assert (
        line_reason("Ligne 2 : La référence de la banque est vide.", index=2, reference="")
        == "la référence de la banque est vide."
    )
    assert line_reason("Autre chose.", index=2, reference="x") == "Autre chose."
