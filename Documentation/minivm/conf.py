# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for the minivm documentation: make docs.
project = "minivm"
author = "The minivm developers"
master_doc = "index"
exclude_patterns = []
html_theme = "alabaster"
# The diagrams of the walkthrough, drawn by Debian's graphviz (dot).
extensions = ["sphinx.ext.graphviz"]
graphviz_output_format = "svg"
