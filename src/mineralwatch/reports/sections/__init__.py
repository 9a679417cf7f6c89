"""Report sections, one module per capability, each with ``render(wh, ...) -> str``."""
