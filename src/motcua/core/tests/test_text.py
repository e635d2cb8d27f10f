from hypothesis import given
from hypothesis import strategies as st

from motcua.core.text import fold, search_terms


def test_fold_strips_tones_and_folds_d():
    assert fold("Đăng ký khai sinh") == "dang ky khai sinh"
    assert fold("ĐỒNG THÁP  đường") == "dong thap duong"
    assert fold("Chứng thực bản sao điện tử") == "chung thuc ban sao dien tu"


def test_search_terms_are_folded_unique_words():
    assert search_terms("  Đăng  ký đăng ") == ["dang", "ky"]


@given(st.text())
def test_fold_is_idempotent_and_ascii_for_vietnamese(text):
    once = fold(text)
    assert fold(once) == once
    assert "đ" not in once and "Đ" not in once
