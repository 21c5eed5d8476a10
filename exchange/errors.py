"""The one error a bad district file raises."""

from catalog.errors import InputError


class DistrictFileError(InputError):
    """A district file that cannot be imported. The message is ``<json path>: <problem>``,
    e.g. ``courses[12].master: no master "ENG9" in catalog "High School Catalog"``."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


def json_path(parts) -> str:
    """``["courses", 12, "master"]`` -> ``courses[12].master``; the whole document is ``document``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "document"
