from pushjobs.push_commands import UndoCommand


class Command(UndoCommand):
    help = (
        "Undo a completed push job (R73): put back what its change log says it changed, course by course; "
        "a course changed since is a conflict and stays as it is (exit 1)."
    )
