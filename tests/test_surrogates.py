"""Text that is not valid Unicode gets a clear ValueError from the API."""
import pytest

import vidiacritic


@pytest.mark.parametrize("engine", ["rules", "statistical", "auto"])
@pytest.mark.parametrize("text,code,at", [
    ("a\udc80b", "DC80", 1), ("Uy ban \ud83d", "D83D", 7),
    ("Uy ban nhan d\udc80an tinh", "DC80", 13),  # was sentencepiece's RuntimeError ("Unable to cast")
])
def test_lone_surrogate_is_a_clear_value_error(engine, text, code, at):
    with pytest.raises(ValueError, match=f"^text has a lone surrogate U\\+{code} at index {at} "):
        vidiacritic.restore(text, engine=engine)
    with pytest.raises(ValueError, match="lone surrogate"):
        vidiacritic.explain(text, engine=engine)


def test_astral_characters_are_fine():
    assert "😀" in vidiacritic.restore("Uy ban 😀 nhan dan", engine="rules")
