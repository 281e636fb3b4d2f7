"""List merged changes since the last git tag, one per line (used by the release-notes skill)."""
import subprocess
import sys


def main() -> int:
    last_tag = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0"], capture_output=True, text=True, check=False
    ).stdout.strip()
    rev_range = f"{last_tag}..HEAD" if last_tag else "HEAD"
    log = subprocess.run(
        ["git", "log", "--merges", "--format=%s", rev_range], capture_output=True, text=True, check=False
    )
    sys.stdout.write(log.stdout)
    return log.returncode


if __name__ == "__main__":
    sys.exit(main())
