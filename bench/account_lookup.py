"""How long moto takes to find a request's account from its access key, stock and with localaws.

    .venv/bin/python bench/account_lookup.py [--accounts 200] [--rounds 5]

moto runs this lookup on every request. In-process, without a server: one temporary key (as
AssumeRole hands out) per account, then every key plus the `testing` key the management account's
callers use, looked up by stock moto's get_account_id_from and by localaws.ext_sts's
account_of_access_key. Both must give the same answers. Prints microseconds per lookup, the median
of the rounds; the first pass of each is not timed (stock moto creates every partition's backend
on its first scan).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing", "localaws"))

from moto.iam import models as iam_models  # noqa: E402

from localaws import ext_sts  # noqa: E402


def per_lookup_us(lookup, keys: list[str], rounds: int) -> float:
    for key in keys:
        lookup(key)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for key in keys:
            lookup(key)
        times.append((time.perf_counter() - start) / len(keys) * 1e6)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    expected = {}
    for n in range(args.accounts):
        account = f"{100000000000 + n * 7919:012d}"
        expected[iam_models.iam_backends[account]["aws"].create_temp_access_key().access_key_id] = account
    keys = [*expected, "testing"]
    stock = ext_sts.stock_account_of_access_key
    ours = ext_sts.account_of_access_key
    for key in keys:
        if stock(key) != ours(key) or expected.get(key, stock(key)) != ours(key):
            print(f"answers differ for {key!r}", file=sys.stderr)
            return 1

    stock_us = per_lookup_us(stock, keys, args.rounds)
    ours_us = per_lookup_us(ours, keys, args.rounds)
    print(f"{args.accounts} accounts, {len(keys)} keys, median of {args.rounds} rounds")
    print(f"stock moto get_account_id_from: {stock_us:9.1f} µs per lookup")
    print(f"localaws account_of_access_key: {ours_us:9.1f} µs per lookup ({stock_us / ours_us:.0f}× less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
