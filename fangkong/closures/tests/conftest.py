import datetime

import pytest

from fangkong.closures.services import Basis, closure_create
from fangkong.core.scoping import SYSTEM

# The league's notice of 17 October 2021 (demo wording): every institution closed from the 18th.
NOTICE = Basis(title="关于全盟养老机构实施封闭管理的通知", number="阿民发〔2021〕1号",
               date=datetime.date(2021, 10, 17))  # fmt: skip
START = datetime.date(2021, 10, 18)


@pytest.fixture
def closed(world):
    """Every Alxa institution under full closure from 18 October 2021, open-ended."""
    return closure_create(actor=SYSTEM, region_code="152900", start_date=START, level="full",
                          basis=NOTICE)  # fmt: skip
