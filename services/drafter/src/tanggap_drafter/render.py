"""The Jinja2 template engine for drafts (templates/ in the package); plain text, no HTML escaping.

A kind's template is `<kind>.txt.j2`; a category may refine it with `<kind>.<category>.txt.j2`, which
usually extends the kind's template and overrides one block.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from tanggap_drafter.context import DraftContext
from tanggap_shared.contracts import Category, DraftKind


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


@cache
def template_name(kind: DraftKind, category: Category) -> str:
    """The category's own template of a kind when there is one, else the kind's."""
    specific = f"{kind.value}.{category.value}.txt.j2"
    try:
        environment().get_template(specific)
    except TemplateNotFound:
        return f"{kind.value}.txt.j2"
    return specific


def collapse_blank_lines(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def render(
    kind: DraftKind,
    ctx: DraftContext,
    key_messages: Sequence[str],
    quote_message: str = "",
    **extra: Any,
) -> str:
    """Render one draft kind; blank runs are collapsed so optional sections leave no gaps."""
    template = environment().get_template(template_name(kind, ctx.category))
    values: dict[str, Any] = {"stock": [], **extra}
    text = template.render(ctx=ctx, key_messages=list(key_messages), quote_message=quote_message, **values)
    return collapse_blank_lines(text)


def static_template_text() -> str:
    """Every template's source, for the checks' vocabulary of words the drafter itself writes."""
    env = environment()
    loader = env.loader
    if loader is None:
        return ""
    return "\n".join(loader.get_source(env, name)[0] for name in env.list_templates())
