"""Every action id, callback id and block id the app uses, in one place."""

from enum import StrEnum


class ActionId(StrEnum):
    """Interactive element action ids."""

    REQ_ASSIGN_ME = "req_assign_me"
    REQ_STATUS = "req_status"
    REQ_VOTE = "req_vote"
    REQ_LIST_PAGE = "req_list_page"
    # Inputs inside the requirement modal.
    REQ_TITLE = "req_title_input"
    REQ_DESCRIPTION = "req_description_input"
    REQ_PRIORITY = "req_priority_input"
    REQ_OWNER = "req_owner_input"
    REQ_DUE = "req_due_input"
    REQ_LABELS = "req_labels_input"


class BlockId(StrEnum):
    """Input block ids of modals (errors are keyed by these)."""

    REQ_TITLE = "req_title"
    REQ_DESCRIPTION = "req_description"
    REQ_PRIORITY = "req_priority"
    REQ_OWNER = "req_owner"
    REQ_DUE = "req_due"
    REQ_LABELS = "req_labels"


class CallbackId(StrEnum):
    """Modal and shortcut callback ids."""

    REQ_MODAL = "req_new_modal"
    CAPTURE_REQUIREMENT = "capture_requirement"
    CAPTURE_FEEDBACK = "capture_feedback"
    CAPTURE_BLOCKER = "capture_blocker"


class Reaction(StrEnum):
    """Default capture reactions (emoji names without colons)."""

    REQUIREMENT = "bulb"
    FEEDBACK = "speech_balloon"
    BLOCKER = "construction"
