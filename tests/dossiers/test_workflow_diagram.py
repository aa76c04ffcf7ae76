"""docs/workflow.md stays true to the transition table, and the table is a sound graph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.management.commands.workflow_diagram import default_path, render
from microcredit.dossiers.workflow import FINAL_STATES, TRANSITIONS, mermaid_diagram

EDGE = re.compile(r"^\s+(\S+) --> (\S+?):? ")


def edges() -> set[tuple[str, str]]:
    return {(s, t.target) for t in TRANSITIONS for s in t.sources}


def test_docs_workflow_md_is_what_the_command_writes() -> None:
    assert default_path().read_text(encoding="utf-8") == render(), (
        "docs/workflow.md is stale: run `.venv/bin/microcredit workflow_diagram`"
    )
    call_command("workflow_diagram", "--check")


def test_check_fails_on_a_stale_file_and_writing_fixes_it(tmp_path: Path) -> None:
    path = tmp_path / "workflow.md"
    with pytest.raises(CommandError, match="n'est pas à jour"):
        call_command("workflow_diagram", "--check", "--output", str(path))
    path.write_text(render().replace("accueil", "réception"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("workflow_diagram", "--check", "--output", str(path))
    call_command("workflow_diagram", "--output", str(path))
    assert path.read_text(encoding="utf-8") == render()
    call_command("workflow_diagram", "--check", "--output", str(path))


def test_the_document_holds_the_diagram_and_every_transition() -> None:
    text = render()
    assert "```mermaid\n" + mermaid_diagram() + "```" in text
    for t in TRANSITIONS:
        assert f"| `{t.name}` | {t.label} |" in text
    assert "microcredit/dossiers/workflow.py" in text
    assert "workflow_diagram" in text


def test_the_diagram_draws_exactly_the_edges_of_the_table() -> None:
    drawn = {
        (m.group(1), m.group(2))
        for line in mermaid_diagram().splitlines()
        if (m := EDGE.match(line)) and "[*]" not in line
    }
    assert drawn == edges()


def test_every_state_appears_in_the_diagram() -> None:
    diagram = mermaid_diagram()
    for state in DossierState:
        assert re.search(rf"(^|\s){state.value}(\s|:|$)", diagram, re.M), state


def test_every_non_final_state_has_a_way_out_and_final_states_none() -> None:
    sources = {s for s, _ in edges()}
    for state in DossierState:
        if state in FINAL_STATES:
            assert state not in sources, state
        else:
            assert state in sources, state


def test_every_state_but_reception_is_reachable_from_reception() -> None:
    reached = {DossierState.RECEPTION.value}
    frontier = [DossierState.RECEPTION.value]
    while frontier:
        state = frontier.pop()
        for source, target in edges():
            if source == state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(DossierState.values)
    assert DossierState.RECEPTION not in {target for _, target in edges()}
