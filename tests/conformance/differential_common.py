"""What both differential scripts share: arguments, running our verdicts, comparing, reporting."""
import argparse
import json
import os
import random
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(mode, generate, reference_verdict, agree=lambda ref, ours: ref == ours):
    """Generates inputs with `generate(rng)`, judges them with the reference and with
    `cargo run --example verdicts <mode>`, prints each disagreement; returns the exit status."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=3000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    docs = [generate(rng) for _ in range(args.count)]
    ours = subprocess.run(
        ['cargo', 'run', '-q', '--release', '-p', 'skills-runtime', '--example', 'verdicts', mode],
        input=''.join(json.dumps({'text': t}) + '\n' for t in docs), capture_output=True, text=True, cwd=REPO, check=True,
    ).stdout.splitlines()
    bad = 0
    for text, mine in zip(docs, ours):
        ref, mine = reference_verdict(text), json.loads(mine)
        if not agree(ref, mine):
            bad += 1
            print(repr(text), '\n  reference:', ref, '\n  ours:     ', mine)
    print(f'{bad} of {len(docs)} disagree')
    return 1 if bad else 0
