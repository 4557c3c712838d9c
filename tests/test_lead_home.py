"""The App Home's Team section: what a lead (the owner of a channel's standup) sees of the
channel, with an action on each item; nobody else sees it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import BOB, CAROL, PM, PRODUCT, SECRET_CHANNEL, Team, texts
from tests.test_privacy_and_home import open_home


def test_a_lead_sees_the_team_and_acts_on_it(team: Team) -> None:
    env = team.env
    env.clock.set(datetime(2026, 11, 16, 10, 0, tzinfo=UTC))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")  # Alice leads #product's standup
    team.cmd("schedule weekdays 09:30 Europe/Berlin", channel=SECRET_CHANNEL)
    env.req("new Export invoices P1 <@U0BOB|bob>")
    env.req("new Dark mode P2 <@U0BOB|bob>")
    env.req("new Pricing page P0")
    env.req("new Secret merger plan", channel=SECRET_CHANNEL)
    env.driver.command("/blocker", "Waiting on vendor <@U0DAVE|dave>", user=CAROL, channel=PRODUCT)
    env.drain()
    env.clock.set(datetime(2026, 11, 19, 10, 0, tzinfo=UTC))
    env.driver.command("/blocker", "Fresh one", user=CAROL, channel=PRODUCT)
    env.driver.command(
        "/risk", "new Vendor may slip likelihood 4 impact 4 <@U0CAROL|carol>", user=PM,
        channel=PRODUCT,
    )  # fmt: skip
    env.drain()

    home = open_home(env, PM)
    shown = texts(home["blocks"])
    assert "Team · <#C0PRODUCT>" in shown
    assert "Open requirements by owner:* bob *2* · nobody *1*" in shown
    assert "BLK-1* Waiting on vendor · owner dave · reported by carol · open 3 days" in shown
    assert "BLK-2" not in shown.split("Team ·")[1]  # a day old: not aging yet
    assert "RSK-1* score *16*" in shown and "owner carol" in shown
    # Private channels' items stay there, even for their lead.
    assert "Secret merger" not in shown and "<#C0SECRET>" not in shown
    # Each item has its action: Reassign a blocker, Edit a risk.
    start = next(n for n, b in enumerate(home["blocks"]) if "Team ·" in texts([b]))
    team_blocks = home["blocks"][start:]
    buttons = {b["accessory"]["action_id"]: b["accessory"]["value"]
               for b in team_blocks if b.get("accessory")}  # fmt: skip
    assert buttons == {"rem_reassign": "BLK-1|C0PRODUCT", "rsk_edit": "1"}
    assert "<@" not in texts(team_blocks)
    before = set(env.ws.views)
    env.driver.click({"ts": "0", "blocks": team_blocks}, "rem_reassign", user=PM, channel=PRODUCT)
    env.drain()
    [modal] = set(env.ws.views) - before
    assert env.ws.views[modal]["title"]["text"] == "Reassign BLK-1"
    # Someone who leads nothing sees no Team section.
    assert "Team ·" not in texts(open_home(env, BOB)["blocks"])
