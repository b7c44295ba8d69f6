"""The ``checks`` directive: the validation checks of a method, read from the registry.

```{checks} dcdm-* solvers-cg-*
```

lists every registered check (``python -m validation``) whose name matches one of the glob
patterns: its name, its description and the backends it runs on. The method pages show what is
checked from the registry itself, so they cannot drift from it; a pattern that matches nothing
is a warning (an error under -W).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


class ChecksDirective(SphinxDirective):
    """``{checks} pattern [pattern ...]``: a bullet list of the matching validation checks."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = False

    def run(self) -> list[nodes.Node]:
        from validation.checks import default_registry

        patterns = self.arguments[0].split()
        registry = default_registry()
        found = registry.select(patterns)
        for pattern in patterns:
            if not registry.select([pattern]):
                logger.warning("checks: no validation check matches %r", pattern, location=self.get_location())
        items = nodes.bullet_list()
        for check in found:
            paragraph = nodes.paragraph()
            paragraph += nodes.literal(text=check.name)
            paragraph += nodes.Text(f": {check.description} (backends: {', '.join(check.backends)}"
                                    + (f"; needs {', '.join(check.requires)})" if check.requires else ")"))
            items += nodes.list_item("", paragraph)
        return [items]


def setup(app):
    app.add_directive("checks", ChecksDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
