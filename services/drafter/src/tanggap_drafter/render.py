"""The Jinja2 template engine for drafts (templates/ in the package); plain text, no HTML escaping."""

from collections.abc import Sequence
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from tanggap_drafter.context import DraftContext
from tanggap_shared.contracts import DraftKind

TEMPLATED_KINDS = (DraftKind.HOLDING_STATEMENT, DraftKind.PRESS_RELEASE)


def indonesian_list(items: Sequence[str]) -> str:
    """["a", "b", "c"] → "a, b, dan c"."""
    if len(items) <= 2:
        return " dan ".join(items)
    return ", ".join(items[:-1]) + ", dan " + items[-1]


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tanggap_drafter", "templates"),
        autoescape=False,  # plain-text drafts; nothing here is rendered as HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["daftar"] = indonesian_list
    return env


def render(kind: DraftKind, ctx: DraftContext, key_messages: Sequence[str], quote_message: str = "") -> str:
    """Render one draft kind; blank runs are collapsed so optional sections leave no gaps."""
    template = environment().get_template(f"{kind.value}.txt.j2")
    text = template.render(ctx=ctx, key_messages=list(key_messages), quote_message=quote_message)
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"
