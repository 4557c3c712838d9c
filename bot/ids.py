"""Every action id, callback id and block id the app uses, in one place."""

from enum import StrEnum


class ActionId(StrEnum):
    """Interactive element action ids."""

    REQ_ASSIGN_ME = "req_assign_me"
    REQ_STATUS = "req_status"
    REQ_VOTE = "req_vote"
    REQ_LIST_PAGE = "req_list_page"
    REQ_MERGE = "req_merge"
    REQ_NOT_DUPLICATE = "req_not_duplicate"
    # Inputs inside the requirement modal.
    REQ_TITLE = "req_title_input"
    REQ_DESCRIPTION = "req_description_input"
    REQ_PRIORITY = "req_priority_input"
    REQ_OWNER = "req_owner_input"
    REQ_DUE = "req_due_input"
    REQ_LABELS = "req_labels_input"
    FB_PROMOTE = "fb_promote"
    FB_LINK = "fb_link"
    FB_LINK_SUGGESTED = "fb_link_suggested"
    BLK_RESOLVE = "blk_resolve"
    RSK_EDIT = "rsk_edit"
    RSK_CLOSE = "rsk_close"
    HOME_REQ_DONE = "home_req_done"
    HOME_BLK_RESOLVE = "home_blk_resolve"
    # Inputs of the item modals.
    ITEM_TEXT = "item_text_input"
    ITEM_KIND = "item_kind_input"
    ITEM_OWNER = "item_owner_input"
    ITEM_REQ = "item_req_input"
    RSK_LIKELIHOOD = "rsk_likelihood_input"
    RSK_IMPACT = "rsk_impact_input"
    RSK_MITIGATION = "rsk_mitigation_input"
    RSK_REVIEW = "rsk_review_input"
    STANDUP_ANSWER = "standup_answer"
    STANDUP_SKIP = "standup_skip"
    STANDUP_NOT_BLOCKER = "standup_not_blocker"
    # Inputs of the standup answer form ("standup_q" + question number) and the setup form.
    STANDUP_Q = "standup_q"
    SU_DAYS = "su_days_input"
    SU_TIME = "su_time_input"
    SU_ZONE = "su_zone_input"
    SU_PARTICIPANTS = "su_participants_input"
    SU_QUESTIONS = "su_questions_input"
    SU_REMINDER = "su_reminder_input"
    REM_SNOOZE = "rem_snooze"
    REM_DONE = "rem_done"
    REM_REASSIGN = "rem_reassign"
    REM_STOP = "rem_stop"
    REM_OWNER = "rem_owner_input"
    STANDUP_PAUSE = "standup_pause"
    # Anonymous feedback: the near-miss question's buttons, a lead's Reply, form inputs.
    ANON_SEND = "anon_send"
    ANON_SEND_NAMED = "anon_send_named"
    ANON_REPLY = "anon_reply"
    ANON_REPLY_TEXT = "anon_reply_input"
    ITEM_ANONYMOUS = "item_anonymous_input"
    # Retros: the DM's Add an item, the board's votes and the facilitator's buttons.
    RETRO_ADD = "retro_add"
    RETRO_VOTE = "retro_vote"
    RETRO_GROUP = "retro_group"
    RETRO_ACTION = "retro_action"
    ACT_DONE = "act_done"
    RETRO_CATEGORY = "retro_category_input"
    RETRO_TEXT = "retro_text_input"
    RETRO_ANONYMOUS = "retro_anonymous_input"
    RETRO_ITEMS = "retro_items_input"
    RETRO_LABEL = "retro_label_input"
    ACT_TEXT = "act_text_input"
    ACT_OWNER = "act_owner_input"
    ACT_DUE = "act_due_input"
    # "Did you mean `/req new …`?": runs the suggested command with the same text.
    RUN_SUGGESTED = "run_suggested"


class BlockId(StrEnum):
    """Input block ids of modals (errors are keyed by these)."""

    REQ_TITLE = "req_title"
    REQ_DESCRIPTION = "req_description"
    REQ_PRIORITY = "req_priority"
    REQ_OWNER = "req_owner"
    REQ_DUE = "req_due"
    REQ_LABELS = "req_labels"
    ITEM_TEXT = "item_text"
    ITEM_KIND = "item_kind"
    ITEM_OWNER = "item_owner"
    ITEM_REQ = "item_req"
    RSK_LIKELIHOOD = "rsk_likelihood"
    RSK_IMPACT = "rsk_impact"
    RSK_MITIGATION = "rsk_mitigation"
    RSK_REVIEW = "rsk_review"
    STANDUP_Q = "standup_q"
    SU_DAYS = "su_days"
    SU_TIME = "su_time"
    SU_ZONE = "su_zone"
    SU_PARTICIPANTS = "su_participants"
    SU_QUESTIONS = "su_questions"
    SU_REMINDER = "su_reminder"
    REM_OWNER = "rem_owner"
    ANON_REPLY_TEXT = "anon_reply_text"
    ITEM_ANONYMOUS = "item_anonymous"
    RETRO_CATEGORY = "retro_category"
    RETRO_TEXT = "retro_text"
    RETRO_ANONYMOUS = "retro_anonymous"
    RETRO_ITEMS = "retro_items"
    RETRO_LABEL = "retro_label"
    ACT_TEXT = "act_text"
    ACT_OWNER = "act_owner"
    ACT_DUE = "act_due"


class CallbackId(StrEnum):
    """Modal and shortcut callback ids."""

    REQ_MODAL = "req_new_modal"
    CAPTURE_REQUIREMENT = "capture_requirement"
    CAPTURE_FEEDBACK = "capture_feedback"
    CAPTURE_BLOCKER = "capture_blocker"
    FB_MODAL = "fb_capture_modal"
    BLK_MODAL = "blk_capture_modal"
    FB_LINK_MODAL = "fb_link_modal"
    RSK_MODAL = "rsk_edit_modal"
    STANDUP_MODAL = "standup_answer_modal"
    STANDUP_SETUP = "standup_setup_modal"
    REM_REASSIGN_MODAL = "rem_reassign_modal"
    ANON_REPLY_MODAL = "anon_reply_modal"
    RETRO_ITEM_MODAL = "retro_item_modal"
    RETRO_GROUP_MODAL = "retro_group_modal"
    RETRO_ACTION_MODAL = "retro_action_modal"


class Reaction(StrEnum):
    """Default capture reactions (emoji names without colons)."""

    REQUIREMENT = "bulb"
    FEEDBACK = "speech_balloon"
    BLOCKER = "construction"


class DmAction(StrEnum):
    """Buttons of the DM's capture offer (their block id carries the offered message's ts)."""

    REQUIREMENT = "dm_capture_requirement"
    FEEDBACK = "dm_capture_feedback"
    ANONYMOUS = "dm_capture_anonymous"
    BLOCKER = "dm_capture_blocker"
    OFFER_BLOCK = "dm_offer"


class Turn(StrEnum):
    """What a typed standup message led to (`ChatTurn.kind`)."""

    ASK = "ask"  # the next question is asked
    ANSWERED = "answered"  # all answers are in: recorded like the form's
    EDITED = "edited"  # an edited message changed a recorded answer
    DRAFT_EDITED = "draft_edited"  # an edited message changed an answer not yet recorded
    SKIPPED = "skipped"
