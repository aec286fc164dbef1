# examples/plugins/broken.py: a plugin file with a syntax error (docs/problems.md shows the message)
from optbench import Problem, problem

@problem
def broken() -> Problem
    return None
