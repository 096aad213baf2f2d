"""``python manage.py signing_certificate_load --agency CODE --pkcs12 FILE``: an agency's real signing
certificate, from the PKCS#12 (.p12/.pfx) file its certificate authority issued.

The private key is written under SIGNING_DIR (mode 0600), never into the database; the certificate and
its issuer chain are recorded, and the chain's root is trusted for verification with ``--trust-root``.
The passphrase is read from the environment variable named by ``--passphrase-env`` (never a command-line
argument, which other users of the machine can see).
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management.base import BaseCommand, CommandError

from digitization.services import signing_certificate_add, trust_root_add
from procedures.models import Agency


class Command(BaseCommand):
    help = "Load an agency's signing certificate and key from a PKCS#12 file."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="The agency's electronic identifier.")
        parser.add_argument("--pkcs12", required=True, type=Path)
        parser.add_argument("--passphrase-env", default="", help="Environment variable holding the passphrase.")
        parser.add_argument("--trust-root", type=Path, help="PEM file of the root certificate to trust.")

    def handle(self, *args, **options):
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"unknown agency: {options['agency']}")
        passphrase = os.environ.get(options["passphrase_env"], "") if options["passphrase_env"] else ""
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(
                options["pkcs12"].read_bytes(), passphrase.encode() or None
            )
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {options['pkcs12']}: {error}") from error
        if key is None or cert is None:
            raise CommandError("the file holds no private key and certificate")
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        chain_pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain or [])
        certificate = signing_certificate_add(
            agency=agency, key_pem=key_pem, cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            chain_pem=chain_pem,
        )
        if options["trust_root"]:
            trust_root_add(name=options["trust_root"].stem, certificate_pem=options["trust_root"].read_text())
        self.stdout.write(self.style.SUCCESS(f"{agency.code}: certificate {certificate.serial} in use until "
                                             f"{certificate.not_after:%Y-%m-%d}"))
