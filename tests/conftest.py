from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def quartic_file() -> str:
    return str(DATA / "quartic.py")
