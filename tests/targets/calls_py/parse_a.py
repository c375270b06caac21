# One of two modules with a function named parse (rtprof calls keeps them apart by file).
def parse(x):
    return x + 1
