"""``microcredit rights-scan``: the hyphenated name of ``rights_scan`` (Django names a command
after its module; this module only re-exports it)."""

from microcredit.rights.management.commands.rights_scan import Command

__all__ = ["Command"]
