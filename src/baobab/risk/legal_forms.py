"""Legal forms of companies, as company registries print them, for matching party names.

A platform captures "Adeyemi Foods Public Limited Company" where another captured "Adeyemi
Foods PLC": both must give the same party. Each entry is one legal form: its abbreviations
and long forms, in the spellings the registries of the jurisdictions in the comment use
(ISO 20275 Entity Legal Forms gives the same pairs per jurisdiction). Normalisation
(`normalise.party`) strips any of them from the end of a name, repeatedly, so "Co., Ltd." and
"Sdn. Bhd." go in two steps and a form written out in full folds to its abbreviation.
Spellings are written as printed; `normalise` turns them into tokens the way it turns names
into tokens (accents, case, punctuation and spaced initials do not matter).

`PREFIX_FORMS` are forms placed before the name (Indonesia, Vietnam) and courtesy words.
"""

from __future__ import annotations

SUFFIX_FORMS: tuple[tuple[str, ...], ...] = (
    # Common-law limited companies (GB, IE, IN, KE, NG, ZA, MY, SG, HK...)
    ("Ltd", "Limited"),
    ("PLC", "Public Limited Company", "Public Ltd Co", "Public Company Limited", "PCL"),
    ("Pvt Ltd", "Private Limited", "Private Ltd", "Pvt Limited", "(P) Ltd", "PvtLtd", "Private Limited Company", "Pvt"),
    ("Pte Ltd", "Private Limited", "Pte"),  # SG
    ("OPC Pvt Ltd", "(OPC) Private Limited", "One Person Company"),  # IN
    ("Co Ltd", "Company Limited", "Co Limited"),  # KE, VN, TH, JP in English
    ("Pty Ltd", "Proprietary Limited", "Pty", "Proprietary"),  # ZA, AU
    ("CC", "Close Corporation"),  # ZA
    ("NPC", "Non-Profit Company"),  # ZA
    ("LBG", "Limited by Guarantee", "Company Limited by Guarantee"),  # GB, NG
    ("LLC", "Limited Liability Company", "L.L.C."),  # US, AE
    ("LLP", "Limited Liability Partnership"),  # GB, IN, US
    ("LP", "Limited Partnership"),
    ("Inc", "Incorporated"),
    ("Corp", "Corporation"),
    ("Co", "Company"),
    # Malaysia
    ("Sdn Bhd", "Sendirian Berhad"),
    ("Bhd", "Berhad"),
    ("PLT", "Perkongsian Liabiliti Terhad"),
    # Spanish-speaking countries (AR, ES, MX, CL, CO, PE...)
    ("S.A.", "Sociedad Anónima", "Sociedad Anonima"),
    ("S.R.L.", "Sociedad de Responsabilidad Limitada"),
    ("S.A.S.", "Sociedad por Acciones Simplificada"),
    ("S.L.", "Sociedad Limitada"),
    ("Ltda", "Limitada", "Cía. Ltda.", "Compañía Limitada"),  # CL, CO, EC
    ("S.A.C.", "Sociedad Anónima Cerrada"),  # PE
    ("S.A.I.C.", "S.A.C.I.", "S.A.I.C.F.", "S.A.C.I.F.", "S.A.C.I.F.I.A.",  # AR
     "Sociedad Anónima Industrial y Comercial", "Sociedad Anónima Comercial e Industrial"),
    ("S.A. de C.V.", "Sociedad Anónima de Capital Variable"),  # MX
    ("Cía", "Compañía", "Cia"),
    # Portuguese-speaking countries (BR, PT, AO, MZ)
    ("S.A.", "Sociedade Anônima", "Sociedade Anónima", "S/A"),
    ("Ltda", "Limitada", "Sociedade Limitada", "Sociedade Empresária Limitada"),
    ("EIRELI", "Empresa Individual de Responsabilidade Limitada"),
    ("Ltda ME", "Ltda EPP", "EIRELI ME", "EIRELI EPP", "ME", "EPP"),  # BR size labels after the form
    # French-speaking countries (FR, BE, CH, LU, SN, CI, CM, MA...)
    ("SA", "Société Anonyme", "Societe Anonyme"),
    ("SARL", "Société à Responsabilité Limitée", "Societe a Responsabilite Limitee"),
    ("SAS", "Société par Actions Simplifiée", "Societe par Actions Simplifiee"),
    ("SASU", "Société par Actions Simplifiée Unipersonnelle"),
    ("SUARL", "Société Unipersonnelle à Responsabilité Limitée"),
    # German, Dutch, Italian, Nordic
    ("GmbH", "Gesellschaft mit beschränkter Haftung", "Gesellschaft mbH"),
    ("AG", "Aktiengesellschaft"),
    ("KG", "Kommanditgesellschaft"),
    ("BV", "Besloten Vennootschap"),
    ("NV", "Naamloze Vennootschap"),
    ("SpA", "Società per Azioni"),
    ("Srl", "Società a Responsabilità Limitata"),
    ("AB", "Aktiebolag"),
    ("AS", "Aksjeselskap"),
    ("Oy", "Osakeyhtiö"),
    ("SE", "Societas Europaea"),
    # Eastern Europe, Türkiye, Asia
    ("JSC", "Joint Stock Company", "Joint-Stock Company"),
    ("PJSC", "Public Joint Stock Company"),
    ("CJSC", "Closed Joint Stock Company"),
    ("A.Ş.", "Anonim Şirketi"),
    ("Ltd. Şti.", "Limited Şirketi"),
    ("Tbk", "Terbuka"),  # ID: listed company, after the name
    ("KK", "Kabushiki Kaisha"),
    # United Arab Emirates free zones
    ("FZE", "Free Zone Establishment"),
    ("FZCO", "Free Zone Company"),
    ("FZ-LLC", "FZ LLC", "Free Zone Limited Liability Company"),
    ("FZC",),
)

PREFIX_FORMS: tuple[str, ...] = (
    "M/s", "Messrs", "The",  # courtesy: "M/s." is the Indian "Messrs"
    "PT", "Perseroan Terbatas", "CV", "Commanditaire Vennootschap",  # ID
    "Công ty TNHH", "Công ty Trách nhiệm Hữu hạn", "Cty TNHH",  # VN limited liability company
    "Công ty Cổ phần", "CTCP",  # VN joint stock company
)

# Words left dangling once a form is gone: "Sharma & Co" -> "sharma and" -> "sharma".
CONNECTORS: tuple[str, ...] = ("and", "&", "de", "y", "e", "und", "et")
