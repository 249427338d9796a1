"""Development e-mail backend: prints each message readably, links intact."""

from django.core.mail.backends.console import EmailBackend


class ReadableConsoleEmailBackend(EmailBackend):
    """Prints From/To/Subject and the plain-text body as text (not quoted-printable), so links can be copied."""

    def write_message(self, message):
        alternatives = [mimetype for _content, mimetype in getattr(message, "alternatives", [])]
        lines = [
            "-" * 79,
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
        ]
        if alternatives:
            lines.append(f"(also sent as: {', '.join(alternatives)})")
        lines += ["", str(message.body).rstrip(), "-" * 79, ""]
        self.stream.write("\n".join(lines) + "\n")
