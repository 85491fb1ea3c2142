"""Local AWS for the project's tests: moto's server plus the project's own extensions.

Run `python -m localaws.server --port 0`; build a test organization with
`python -m localaws.seed org ...`. See README.md beside this package.
"""

# The extensions patch moto internals, so they are written against exactly this release.
MOTO_VERSION = "5.2.1"

# Extension modules loaded into moto before the server accepts requests, in this order.
EXTENSIONS = (
    "localaws.ext_organizations",
    "localaws.ext_sts",
    # Before ext_events, whose forwarding wrapper must see (and wrap) the target delivery.
    "localaws.ext_targets",
    "localaws.ext_events",
    "localaws.ext_support",
    "localaws.ext_athena",
    "localaws.ext_cognito",
    "localaws.ext_cloudformation",
    "localaws.ext_config",
)

# Prefix of the control endpoints the extensions add; never a path AWS itself uses.
CONTROL_PREFIX = "/_localaws/"

# Request header that makes a Support call happen at the given ISO-8601 instant (ext_support).
CLOCK_HEADER = "X-Localaws-Time"

# submittedBy of communications from AWS's side, as AWS Support shows them.
AWS_SUBMITTER = "Amazon Web Services"


def require_moto(extension: str) -> None:
    """Refuse to patch a moto release the extension was not written against."""
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"{extension} patches moto {MOTO_VERSION} internals but moto {moto.__version__} "
            "is installed; re-check every patch before changing the pin"
        )
