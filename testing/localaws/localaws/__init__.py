"""Local AWS for the project's tests: moto's server plus the project's own extensions.

Run `python -m localaws.server --port 0`; build a test organization with
`python -m localaws.seed org ...`. See README.md beside this package.
"""

# The extensions patch moto internals, so they are written against exactly this release.
MOTO_VERSION = "5.2.1"

# Extension modules loaded into moto before the server accepts requests, in this order.
EXTENSIONS = ("localaws.ext_organizations",)

# Prefix of the control endpoints the extensions add; never a path AWS itself uses.
CONTROL_PREFIX = "/_localaws/"
