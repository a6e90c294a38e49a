"""E-mail notifications, only when ``CASELIB_SMTP_URL`` is set (else the tracking link is the channel).

``CASELIB_SMTP_URL``: ``smtp://[user:password@]host[:port]`` (port 25; ``?starttls=1`` upgrades the
connection), or ``smtps://…`` (TLS from the start, port 465). ``CASELIB_MAIL_FROM``: the sender
(default ``caselib <no-reply@HOST>``). ``CASELIB_REVIEW_LANG``: the language of reviewers' e-mails
(es by default; submitters get theirs in the language they submitted in).

Who gets what: the submitter (when they left an address) when changes are requested, when the case is
published and when it is rejected; reviewers and editors when a submission arrives or is revised;
editors when a reviewer recommends one or when publishing fails. Messages are plain text; no
submitted text goes into a header. Sending never blocks a decision: a failure is logged.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from indexer.i18n import LANGUAGES, translate

log = logging.getLogger(__name__)
TIMEOUT = 10  # seconds for the SMTP connection and each command


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                f"CASELIB_SMTP_URL '{parts.scheme}://{parts.hostname or ''}…' is not like smtp://host:25 or smtps://host:465"
            )
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            tls=parts.scheme == "smtps",
            starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class Mailer:
    """Sends the portal's notifications through one SMTP server."""

    def __init__(
        self,
        config: SmtpConfig,
        sender: str | None = None,
        recipients: Callable[[str], Iterable[str]] | None = None,
        review_lang: str = "es",
    ):
        self.config = config
        self.sender = sender or formataddr(("caselib", f"no-reply@{config.host}"))
        self.recipients = recipients or (lambda role: ())  # role ("reviewer" | "editor") -> addresses
        self.review_lang = review_lang if review_lang in LANGUAGES else "es"
        self.sent = 0

    @classmethod
    def from_env(cls, recipients: Callable[[str], Iterable[str]] | None = None, env=None) -> Mailer | None:  # noqa: ANN001
        env = os.environ if env is None else env
        url = env.get("CASELIB_SMTP_URL")
        if not url:
            return None
        return cls(
            SmtpConfig.parse(url), env.get("CASELIB_MAIL_FROM"), recipients, env.get("CASELIB_REVIEW_LANG", "es")
        )

    # --- sending ---------------------------------------------------------------------------------------------

    def send(self, to: Iterable[str], subject: str, body: str) -> bool:
        to = sorted({a.strip() for a in to if a and "@" in a and "\n" not in a and "\r" not in a})
        if not to:
            return False
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(to)
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain="caselib.invalid")
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(body)
        c = self.config
        try:
            if c.tls:
                server = smtplib.SMTP_SSL(c.host, c.port, timeout=TIMEOUT, context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(c.host, c.port, timeout=TIMEOUT)
            with server:
                if c.starttls:
                    server.starttls(context=ssl.create_default_context())
                if c.user:
                    server.login(c.user, c.password or "")
                server.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("could not send '%s' to %d recipient(s): %s", subject, len(to), exc)
            return False
        self.sent += 1
        return True

    # --- what is sent ----------------------------------------------------------------------------------------

    def submission_event(self, sub, event: str, base_url: str = "", tracking_url: str | None = None) -> None:  # noqa: ANN001
        """Notify whoever ``event`` concerns: submitted | revised | recommend | request_changes | reject |
        published | failed. ``tracking_url`` (only known when the submission is made) goes to the submitter."""
        review_url = f"{base_url.rstrip('/')}/review/{sub.id}" if base_url else f"/review/{sub.id}"
        lang = sub.lang if sub.lang in LANGUAGES else "en"
        title = sub.title or sub.case_id
        if event in ("submitted", "revised"):
            rl = self.review_lang
            subject = translate(rl, "[caselib] Submission {id} is waiting for review", id=sub.id)
            what = (
                translate(rl, "A new submission is waiting for review.")
                if event == "submitted"
                else translate(rl, "The submitter revised a submission; it is waiting for review again.")
            )
            self.send(
                [*self.recipients("reviewer"), *self.recipients("editor")],
                subject,
                f"{what}\n\n{title}\n{review_url}\n",
            )
            if event == "submitted" and tracking_url and sub.submitter_email:
                self.send(
                    [sub.submitter_email],
                    translate(lang, "[caselib] We received your submission {id}", id=sub.id),
                    translate(
                        lang,
                        "Thank you: your submission “{title}” will be read by a reviewer. Follow it, read the "
                        "reviewers' comments and revise it at this private address (keep it to yourself):",
                        title=title,
                    )
                    + f"\n\n{tracking_url}\n",
                )
        elif event == "recommend":
            rl = self.review_lang
            self.send(
                self.recipients("editor"),
                translate(rl, "[caselib] Submission {id} is recommended for publication", id=sub.id),
                translate(rl, "A reviewer recommends this submission; an editor can approve or reject it.")
                + f"\n\n{title}\n{review_url}\n",
            )
        elif event == "failed":
            rl = self.review_lang
            self.send(
                self.recipients("editor"),
                translate(rl, "[caselib] Publishing submission {id} failed", id=sub.id),
                translate(rl, "The submission was approved but could not be published; it can be retried.")
                + f"\n\n{title}\n{sub.publish_error or ''}\n{review_url}\n",
            )
        elif event in ("request_changes", "reject", "published") and sub.submitter_email:
            subjects = {
                "request_changes": translate(lang, "[caselib] Changes requested on your submission {id}", id=sub.id),
                "reject": translate(lang, "[caselib] Your submission {id} was not accepted", id=sub.id),
                "published": translate(lang, "[caselib] Your submission {id} is published", id=sub.id),
            }
            texts = {
                "request_changes": translate(
                    lang,
                    "A reviewer asked for changes to “{title}”. Read the comments and send a revised version "
                    "from the private tracking link you received when you submitted it.",
                    title=title,
                ),
                "reject": translate(
                    lang,
                    "The editors decided not to publish “{title}”. The reasons are on your private tracking page.",
                    title=title,
                ),
                "published": translate(
                    lang, "“{title}” is now published in the library. Thank you for your contribution.", title=title
                ),
            }
            body = texts[event]
            latest = [c for c in sub.comments if c.public and c.user_id is not None]
            if latest and event != "published":
                body += "\n\n" + translate(lang, "Last comment from the reviewers:") + "\n\n" + latest[-1].body
            if event == "published" and base_url:
                body += f"\n\n{base_url.rstrip('/')}/cases/{sub.case_id}?lang={lang}"
            self.send([sub.submitter_email], subjects[event], body + "\n")
