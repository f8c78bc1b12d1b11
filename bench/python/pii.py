r"""PII redaction with Python's `re`, as the peer that apertus-ts's redactor is benchmarked against.

Standard library only, so a benchmark can import it anywhere:

    from pii import redact
    text, counts = redact("write to jo@example.com from 8.8.8.8")

Where the regexes come from:
- EMAIL_RE: datatrove's PIIFormatter e-mail regex (RFC 5322-style, from
  datatrove/pipeline/formatters/pii.py) with `A-Z` added to every class, exactly as Apertus's
  PIIFormatter (swiss-ai/pretrain-data) uses it. datatrove's own copy lists only `a-z` and
  compiles without re.IGNORECASE, so it misses any address with a capital letter.
- IPV4_RE: datatrove's IP regex, verbatim. datatrove has no IPv6 pattern; neither has this file.
  Public-only filtering is datatrove's `public_ip_validator` (ipaddress.ip_address(...).is_global).
- IBAN_RE: Apertus's IBAN regex, verbatim: the spaced paper form with digit groups only, no
  checksum (apertus-ts checks the mod-97 checksum and the per-country length instead).

Replacement follows datatrove (one `re.sub` per kind, in the order e-mail, IP, IBAN) with
Apertus's tokens. Counts are replacements made, per kind, as the TypeScript redactor reports them.

Beware: EMAIL_RE backtracks quadratically on hostile input such as 'a.' * 20000 (5.6 s here:
`\b` matches after every dot and `(?:\.[...]+)*` is rescanned from each); the benchmark measures it.
"""
from __future__ import annotations

import ipaddress
import re
import sys

EMAIL_RE = re.compile(
    r"\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
    r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"|\[(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}"
    r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?|[A-Za-z0-9-]*[A-Za-z0-9]:)])"
)
IPV4_RE = re.compile(
    r"(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
)
IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}(?: [0-9]{4}){4} [A-Z0-9]{1,2}")

REPLACEMENTS = {"email": "<email-pii>", "ip": "<ip-pii>", "iban": "<iban-pii>"}


def public_ip_validator(ip: str, public_only: bool = True) -> bool:
    """datatrove's validator: a parseable address, and a globally routable one if asked."""
    try:
        address = ipaddress.ip_address(ip)
        return not public_only or address.is_global
    except ValueError:
        return False


def _replace(regex: re.Pattern, kind: str, text: str, counts: dict, valid=None) -> str:
    def substitute(match: re.Match) -> str:
        found = match.group(0)
        if valid is not None and not valid(found):
            return found
        counts[kind] += 1
        return REPLACEMENTS[kind]

    return regex.sub(substitute, text)


def redact(
    text: str,
    email: bool = True,
    ip: bool = True,
    iban: bool = True,
    public_ip_only: bool = False,
) -> tuple[str, dict]:
    """Returns the redacted text and the number of replacements per kind.
    Defaults match apertus-ts's: every IP is redacted (Apertus); public_ip_only=True is datatrove's."""
    counts = {"email": 0, "ip": 0, "iban": 0, "phone": 0, "card": 0}
    if email:
        text = _replace(EMAIL_RE, "email", text, counts)
    if ip:
        text = _replace(IPV4_RE, "ip", text, counts, lambda s: public_ip_validator(s, public_ip_only))
    if iban:
        text = _replace(IBAN_RE, "iban", text, counts)
    return text, counts


if __name__ == "__main__":
    redacted, found = redact(sys.stdin.read())
    sys.stdout.write(redacted)
    print(found, file=sys.stderr)
