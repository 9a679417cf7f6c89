"""Reports: self-contained offline HTML (inline SVG charts, no CDN) and Markdown."""
