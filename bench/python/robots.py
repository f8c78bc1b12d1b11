"""The retroactive robots.txt opt-out in Python (standard library only), the peer of our `robots`
step in `npm run bench -- pipeline`. Same rules: RFC 9309 groups and longest match, allow wins
ties, `*` and `$` patterns, 4xx allows everything, 5xx/unreachable disallows everything, a host
absent from the snapshot is allowed. Each robots.txt is parsed once and cached per host, and
patterns are compiled to `re` once, as a careful Python implementation would.
"""
import json
import re
from urllib.parse import urlsplit, quote, unquote

APERTUS_AGENTS = [
    "AI2Bot", "Applebot-Extended", "Bytespider", "CCBot", "CCBot/1.0", "CCBot/2.0", "ClaudeBot",
    "cohere-training-data-crawler", "Diffbot", "Meta-ExternalAgent", "Google-Extended", "GPTBot",
    "PanguBot", "*",
]
MAX_BYTES = 500 * 1024


def _normalise(path):
    # Percent-encode what must be encoded and decode what need not be (RFC 9309 2.2.2).
    return quote(unquote(path), safe="/?=&;:@!$'()*+,-._~%")


class Rule:
    __slots__ = ("allow", "length", "prefix", "regex")

    def __init__(self, allow, pattern):
        pattern = _normalise(pattern)
        self.allow = allow
        self.length = len(pattern)
        if "*" in pattern or pattern.endswith("$"):
            anchored = pattern.endswith("$")
            body = pattern[:-1] if anchored else pattern
            self.regex = re.compile("".join(".*" if c == "*" else re.escape(c) for c in body) + ("$" if anchored else ""), re.S)
            self.prefix = None
        else:
            self.regex = None
            self.prefix = pattern

    def matches(self, path):
        if self.prefix is not None:
            return path.startswith(self.prefix)
        return self.regex.match(path) is not None


def _product_token(agent):
    return agent.split("/")[0].strip().lower()


def parse(body):
    """robots.txt -> {agent token: [Rule]} with groups for the same agent merged."""
    groups = {}
    agents, rules, in_rules = [], [], False
    def close():
        for agent in agents:
            groups.setdefault(agent, []).extend(rules)
    for raw in body[:MAX_BYTES].splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = line.split(":", 1)
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if in_rules:
                close()
                agents, rules, in_rules = [], [], False
            agents.append(_product_token(value))
        elif key in ("allow", "disallow"):
            in_rules = True
            if value:
                rules.append(Rule(key == "allow", value))
    close()
    return groups


class Snapshot:
    def __init__(self, path):
        self.hosts = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                entry = json.loads(line)
                self.hosts[entry["host"].lower()] = entry
        self.cache = {}

    def _policy(self, host):
        policy = self.cache.get(host)
        if policy is None:
            entry = self.hosts.get(host)
            if entry is None or 400 <= entry["status"] < 500:
                policy = "allow"
            elif entry["status"] >= 500 or entry["status"] == 0:
                policy = "disallow"
            else:
                policy = parse(entry["body"])
            self.cache[host] = policy
        return policy

    def allowed(self, path, groups, agent):
        if path == "/robots.txt":
            return True
        rules = groups.get(_product_token(agent))
        if rules is None:
            rules = groups.get("*", [])
        best = None
        for rule in rules:
            if rule.matches(path) and (best is None or rule.length > best.length or (rule.length == best.length and rule.allow)):
                best = rule
        return best is None or best.allow

    def check(self, url, agents=APERTUS_AGENTS):
        parts = urlsplit(url)
        policy = self._policy((parts.hostname or "").lower())
        if policy == "allow":
            return []
        if policy == "disallow":
            return list(agents)
        path = _normalise(parts.path or "/") + ("?" + parts.query if parts.query else "")
        return [a for a in agents if not self.allowed(path, policy, a)]
