"""Builder of the kit's resource centre.

The data flows one way, one module per stage:
catalogue files → ``loader`` (typed ``models``) → ``pages`` (Jinja2) → ``site`` (MkDocs)
→ ``package`` (offline zip). ``cli`` wires the stages to the ``kit`` command.
"""
