import datetime

from fangkong.surveillance.models import Aberration


def test_an_administrator_reads_signals_but_cannot_change_them(world):
    signal = Aberration.objects.create(institution=world.institutions["1529210001"],
                                       day=datetime.date(2022, 10, 25), field="fever", value=4,
                                       methods="C1")  # fmt: skip
    admin = world.client("admin")
    listing = admin.get("/admin/surveillance/aberration/")
    assert listing.status_code == 200
    assert "阿拉善左旗社会福利中心" in listing.text
    assert admin.get("/admin/surveillance/aberration/add/").status_code == 403
    assert admin.post(f"/admin/surveillance/aberration/{signal.pk}/delete/",
                      {"post": "yes"}).status_code == 403  # fmt: skip
    assert Aberration.objects.filter(pk=signal.pk).exists()
