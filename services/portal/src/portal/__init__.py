"""The portal: server-rendered pages for the contact person and the operators (SPEC section 11).

It keeps no data of its own beyond its visitors' sessions; everything it shows comes from the
registry, ingest and linkage over their HTTP APIs, with the visitor's own token.
"""
