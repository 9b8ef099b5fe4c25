"""`python -m evaluation` scores the health engine (`make eval`)."""

import sys

from evaluation.score import main

sys.exit(main())
