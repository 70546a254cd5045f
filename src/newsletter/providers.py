"""What each mailing service expects in an email: its merge tags and whether it adds a footer.

A merge tag is text the service replaces for each recipient when it sends,
such as Mailchimp's *|UNSUB|*. newsletter writes the tags exactly as the
service documents them; the renderer keeps the CSS inliner from encoding them.
"""

from msgspec import Struct


class Provider(Struct, frozen=True):
    name: str
    label: str
    unsubscribe: str | None = None  # the tag for the recipient's own unsubscribe link
    view_online: str | None = None  # the tag for the "view in browser" link
    adds_footer: bool = False  # the service appends its own footer to every message
    is_list: bool = False  # a list address people post to (Mailman, Google Groups)


PRESETS = {
    # https://mailchimp.com/help/all-the-merge-tags-cheat-sheet/ and
    # http://kb.mailchimp.com/tag/unsubscribe : *|UNSUB|* is required in
    # every campaign; *|ARCHIVE|* links to the campaign's hosted web page. Mailchimp adds its
    # own footer only to campaigns that lack the required tags, so ours carries them.
    "mailchimp": Provider("mailchimp", "Mailchimp", "*|UNSUB|*", "*|ARCHIVE|*"),
    # https://listmonk.app/docs/templating : {{ UnsubscribeURL }} and {{ MessageURL }}
    # (the message's web view) are template expressions listmonk fills in per subscriber.
    "listmonk": Provider("listmonk", "listmonk", "{{ UnsubscribeURL }}", "{{ MessageURL }}"),
    # https://www.twilio.com/docs/sendgrid/for-developers/sending-email/suppressions :
    # messages sent with an unsubscribe group (asm_group_id) take the substitution tag
    # <%asm_group_unsubscribe_raw_url%> for that group's one-click unsubscribe link.
    # SendGrid has no web-view tag for messages sent through its API or SMTP.
    "sendgrid": Provider("sendgrid", "SendGrid", "<%asm_group_unsubscribe_raw_url%>"),
    # https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages :
    # %unsubscribe_url% unsubscribes the recipient from the sending domain. Mailgun can also
    # append its own footer; leave that switched off when the tag is in the message.
    "mailgun": Provider("mailgun", "Mailgun", "%unsubscribe_url%"),
    # Buttondown's template variables (its docs, "Template Variables"; source:
    # github.com/buttondown/docs, pages/odds-and-ends/template-variables.mdx):
    # {{ unsubscribe_url }} and {{ email_url }}, the email's permalink.
    "buttondown": Provider("buttondown", "Buttondown", "{{ unsubscribe_url }}", "{{ email_url }}"),
    # A list that you post to by email: Mailman (https://docs.mailman3.org/) and Google Groups
    # add their own footer; the unsubscribe setting is the list's leave address or page,
    # and it also goes in the List-Unsubscribe header (RFC 2369, RFC 8058).
    "list": Provider("list", "Mailing-list address", adds_footer=True, is_list=True),
}
NONE = Provider("none", "No mailing service")
NAMES = tuple(PRESETS) + ("custom",)
ALIASES = {"mailman": "list", "google-groups": "list", "googlegroups": "list"}
