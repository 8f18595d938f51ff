"""Parses a Prometheus text exposition on stdin with the Prometheus project's own Python parser
(prometheus_client.parser) and prints every sample, one per line, as
NAME<TAB>TYPE<TAB>VALUE, then one TAB-separated k=v per label. A malformed exposition
makes the parser raise: exit 1 with its message. Exit 3 when the parser is not installed."""
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError as e:
    print("prometheus_client is not installed: %s" % e, file=sys.stderr)
    sys.exit(3)

text = sys.stdin.read()
try:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            fields = [sample.name, family.type, repr(float(sample.value))]
            fields += ["%s=%s" % (k, v) for k, v in sorted(sample.labels.items())]
            print("\t".join(fields))
except Exception as e:  # the parser's own errors say what is wrong with the text
    print("not a valid exposition: %s: %s" % (type(e).__name__, e), file=sys.stderr)
    sys.exit(1)
