"""A purpose-built directory for judging search relevance (tests/search/test_relevance.py).

Fictional organisations of three kinds, each with the topics it is about (the judgement of
relevance): profiles written by organisations (a name, a summary, services with taxonomy
terms), register-style entries (an all-capitals name and charitable objects, nothing else),
and look-alikes (probate for probation, Gateshead and navigate for gate, Workington for
work) that a search must not mistake for matches.
"""

import random
from dataclasses import dataclass, field

PLACES = [
    ("Leeds", "yorkshire-and-the-humber"),
    ("Bradford", "yorkshire-and-the-humber"),
    ("Hull", "yorkshire-and-the-humber"),
    ("Sheffield", "yorkshire-and-the-humber"),
    ("Wakefield", "yorkshire-and-the-humber"),
    ("Newcastle", "north-east"),
    ("Sunderland", "north-east"),
    ("Durham", "north-east"),
    ("Middlesbrough", "north-east"),
    ("Liverpool", "north-west"),
    ("Preston", "north-west"),
    ("Carlisle", "north-west"),
    ("Manchester", "greater-manchester"),
    ("Salford", "greater-manchester"),
    ("Bolton", "greater-manchester"),
    ("Nottingham", "east-midlands"),
    ("Leicester", "east-midlands"),
    ("Derby", "east-midlands"),
    ("Birmingham", "west-midlands"),
    ("Coventry", "west-midlands"),
    ("Wolverhampton", "west-midlands"),
    ("Norwich", "east-of-england"),
    ("Ipswich", "east-of-england"),
    ("Peterborough", "east-of-england"),
    ("Lambeth", "london"),
    ("Hackney", "london"),
    ("Croydon", "london"),
    ("Brighton", "kent-surrey-and-sussex"),
    ("Maidstone", "kent-surrey-and-sussex"),
    ("Guildford", "kent-surrey-and-sussex"),
    ("Oxford", "south-central"),
    ("Reading", "south-central"),
    ("Southampton", "south-central"),
    ("Bristol", "south-west"),
    ("Plymouth", "south-west"),
    ("Exeter", "south-west"),
    ("Cardiff", "wales"),
    ("Swansea", "wales"),
    ("Wrexham", "wales"),
    ("Newport", "wales"),
]


@dataclass(frozen=True)
class Topic:
    names: list[str]
    summaries: list[str]
    services: list[str]
    pathways: list[str] = field(default_factory=list)
    client_groups: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)


TOPICS = {
    "accommodation": Topic(
        ["{place} Housing Trust", "{place} Homes Project", "{place} Supported Lodgings"],
        [
            "Supported housing for people leaving prison in {place}.",
            "Finds accommodation on release and keeps tenancies going.",
            "Move-on homes and tenancy support so that nobody leaves prison to the streets.",
        ],
        ["Supported housing", "Tenancy sustainment", "Move-on accommodation"],
        pathways=["accommodation"],
    ),
    "women": Topic(
        ["{place} Women's Centre", "Women's Voices {place}", "{place} Sisters Project"],
        [
            "A women's centre for women in contact with the justice system in {place}.",
            "Gender-specific support for women on probation or leaving custody.",
            "Support for women at risk of offending, led by women with lived experience.",
        ],
        ["Women's centre drop-in", "One-to-one support for women"],
        client_groups=["women"],
    ),
    "employment": Topic(
        ["{place} Jobs Club", "Second Shift {place}", "{place} Employment Pathways"],
        [
            "Jobs, training and employment for people with convictions in {place}.",
            "Helps people leaving prison into paid work with local employers.",
            "Employability courses and job placements for people on licence.",
        ],
        ["Employment support", "Job placements", "CV and interview coaching"],
        pathways=["education-skills-and-work"],
    ),
    "mentoring": Topic(
        ["{place} Mentors", "{place} Befriending Scheme", "Walk Alongside {place}"],
        [
            "Volunteer mentoring for people on probation in {place}.",
            "Befriending for people in prison and after release.",
            "Peer support from mentors who have been to prison themselves.",
        ],
        ["One-to-one mentoring", "Befriending visits", "Peer mentoring"],
        pathways=["attitudes-thinking-and-behaviour"],
    ),
    "drugs": Topic(
        ["{place} Recovery Community", "Clean Slate {place}", "{place} Recovery Cafe"],
        [
            "Drug and alcohol recovery for people leaving prison in {place}.",
            "Substance misuse treatment and recovery support in the community.",
            "Addiction recovery groups run by people in recovery.",
        ],
        ["Recovery groups", "Substance misuse key work"],
        pathways=["drugs-and-alcohol"],
    ),
    "families": Topic(
        ["{place} Family Links", "{place} Visitors Centre"],
        [
            "Support for families of people in prison, including children on visits.",
            "Keeps children in touch with a parent in prison in {place}.",
        ],
        ["Family visits support", "Help for children with a parent in prison"],
        pathways=["children-families-and-communities"],
        client_groups=["families"],
    ),
    "youth": Topic(
        ["{place} Youth Justice Project", "Young Futures {place}"],
        [
            "Works with young adults in the youth justice system to cut youth offending.",
            "Diversion and mentoring for young people at risk of offending in {place}.",
        ],
        ["Youth diversion", "Transitions to adult services"],
        client_groups=["young-adults"],
    ),
    "veterans": Topic(
        ["{place} Veterans in Custody", "Forces Forward {place}"],
        [
            "Support for armed forces veterans in prison and on release.",
            "Helps ex-service personnel in the justice system in {place}.",
        ],
        ["Veterans casework"],
        client_groups=["veterans"],
    ),
    "finance": Topic(
        ["{place} Debt Advice", "{place} Money Matters"],
        [
            "Debt advice, bank accounts and ID for people leaving prison.",
            "Benefits and money advice for people with convictions in {place}.",
        ],
        ["Debt advice", "Bank accounts and ID"],
        pathways=["finance-and-id"],
    ),
    "mental_health": Topic(
        ["{place} Mind Matters", "{place} Wellbeing Service"],
        [
            "Mental health support for people in the criminal justice system in {place}.",
            "Counselling and wellbeing for people on probation.",
        ],
        ["Counselling", "Wellbeing groups"],
        pathways=["health"],
        client_groups=["mental-health"],
    ),
    "through_the_gate": Topic(
        ["{place} Through the Gate", "{place} Release Day Service"],
        [
            "Meets people at the prison on the day of release and supports them through the "
            "gate into the community.",
            "Through the gate resettlement: planned in custody, carried on after release.",
        ],
        ["Through the gate support", "Release day meet and greet"],
        settings=["through-the-gate", "custody"],
    ),
    "restorative": Topic(
        ["{place} Restorative Justice", "{place} Circles"],
        [
            "Restorative justice conferences between victims and people who have offended.",
            "Circles of support and accountability in {place}.",
        ],
        ["Restorative justice conferencing"],
        pathways=["attitudes-thinking-and-behaviour"],
    ),
    "arts": Topic(
        ["{place} Arts in Prison", "Open Stage {place}"],
        [
            "Theatre, music and creative writing in prisons around {place}.",
            "Arts projects with people in custody and on release.",
        ],
        ["Prison theatre", "Music workshops"],
        settings=["custody"],
    ),
}

# Sentences an organisation may add, and the topic each makes it relevant to.
EXTRA_SENTENCES = {
    "reoffending": [
        "Our work reduces reoffending.",
        "An independent evaluation found lower re-offending among the people we support.",
        "We aim to cut recidivism in {place}.",
    ],
    "ex_offenders": [
        "We work with ex-offenders.",
        "Open to prison leavers and people with convictions.",
        "Every referral is welcome from ex offenders and their families.",
    ],
    "probation": [
        "We work alongside the Probation Service.",
        "Placements for people serving community sentences.",
    ],
}

# Register-style entries: an all-capitals name and charitable objects, and their topics.
REGISTER_ENTRIES = [
    (
        "THE ST BARNABAS DISCHARGED PRISONERS AID SOCIETY",
        "THE RELIEF OF POVERTY AND THE REHABILITATION OF OFFENDERS AND EX-OFFENDERS IN THE "
        "COUNTY OF DURHAM BY PROVIDING GRANTS, CLOTHING AND ACCOMMODATION ON RELEASE.",
        {"ex_offenders", "accommodation"},
    ),
    (
        "NORTHUMBRIA PRISONERS' WELFARE FUND",
        "TO RELIEVE THE NEEDS OF PRISONERS, EX-PRISONERS AND THEIR FAMILIES IN NORTHUMBRIA.",
        {"ex_offenders", "families"},
    ),
    (
        "THE HOPE HOUSE TRUST (LEEDS)",
        "TO PROVIDE HOUSING AND SUPPORT FOR HOMELESS MEN LEAVING PRISON IN THE CITY OF LEEDS.",
        {"accommodation", "ex_offenders"},
    ),
    (
        "KESTREL MENTORING AND BEFRIENDING TRUST",
        "THE PREVENTION OF CRIME AND THE REHABILITATION OF OFFENDERS BY MENTORING AND "
        "BEFRIENDING PEOPLE ON PROBATION.",
        {"mentoring", "probation", "ex_offenders"},
    ),
    (
        "THE ALMA RECOVERY FOUNDATION",
        "THE RELIEF OF PERSONS SUFFERING FROM ADDICTION TO DRUGS OR ALCOHOL, IN PARTICULAR "
        "THOSE IN CONTACT WITH THE CRIMINAL JUSTICE SYSTEM.",
        {"drugs"},
    ),
    (
        "WOMEN'S RESETTLEMENT TRUST (MERSEYSIDE)",
        "TO PROVIDE ACCOMMODATION AND SUPPORT FOR WOMEN LEAVING PRISON IN MERSEYSIDE.",
        {"women", "accommodation", "ex_offenders"},
    ),
    (
        "THE YOUTH OFFENDING DIVERSION PROJECT (KENT)",
        "TO REDUCE YOUTH OFFENDING BY ADVANCING THE EDUCATION OF YOUNG PEOPLE AT RISK OF "
        "OFFENDING IN KENT.",
        {"youth"},
    ),
    (
        "REHABILITATION OF OFFENDERS EMPLOYMENT CHARITY",
        "TO ADVANCE THE EDUCATION AND EMPLOYMENT OF PEOPLE WITH CRIMINAL CONVICTIONS.",
        {"employment", "ex_offenders"},
    ),
    (
        "THE PROBATION VOLUNTEERS ASSOCIATION",
        "TO SUPPORT VOLUNTEERS WHO WORK WITH PEOPLE ON PROBATION AND COMMUNITY ORDERS.",
        {"probation", "mentoring"},
    ),
    (
        "THE SECOND CHANCE RECIDIVISM RESEARCH TRUST",
        "TO ADVANCE RESEARCH INTO RECIDIVISM AND THE REHABILITATION OF OFFENDERS.",
        {"reoffending", "ex_offenders"},
    ),
]
# Register entries about other things, look-alikes included (their words share letters or
# stems with the directory's, never whole words with the query).
UNRELATED_REGISTER = [
    "{PLACE} PROBATE AND WILLS ADVICE SERVICE",
    "{PLACE} PROBUS CLUB",
    "ST MARY'S CHURCH HALL TRUST ({PLACE})",
    "{PLACE} PRIMARY SCHOOL PTA",
    "{PLACE} SCOUT GROUP",
    "FRIENDS OF {PLACE} PARK",
]
UNRELATED_OBJECTS = {
    "PROBATE": "TO PROVIDE FREE ADVICE ON WILLS, PROBATE AND THE ADMINISTRATION OF ESTATES.",
    "PROBUS": "TO PROVIDE FELLOWSHIP FOR RETIRED PROFESSIONAL AND BUSINESS PEOPLE.",
    "CHURCH": "THE MAINTENANCE OF THE CHURCH HALL FOR THE BENEFIT OF THE PARISH.",
    "PTA": "TO ADVANCE THE EDUCATION OF PUPILS AT THE SCHOOL.",
    "SCOUT": "TO PROMOTE THE DEVELOPMENT OF YOUNG PEOPLE THROUGH SCOUTING.",
    "PARK": "TO CONSERVE THE PARK AND ITS GARDENS FOR THE PUBLIC.",
}
LOOK_ALIKES = [
    ("Gateshead Community Food Bank", "Emergency food parcels for families in Gateshead."),
    ("Navigate Careers Guidance", "Careers advice for school leavers; we help you navigate."),
    ("Gatehouse Arts Centre", "A small theatre and gallery in a converted gatehouse."),
    ("Gateway Church Lunch Club", "A weekly lunch for older people, open to all."),
    ("Workington Sea Cadets", "Sailing and seamanship for young people in Workington."),
    ("Jobson Family Charitable Trust", "Grants for village halls in Cumbria."),
    ("Drugstore Cowboys Theatre Company", "Touring comedy theatre for village halls."),
    ("Homeless Pets Rescue", "Rehoming dogs and cats."),
    ("Golden Gate Chinese Community Association", "Language classes and a gate-side garden."),
    ("Probity Accountancy Volunteers", "Free bookkeeping for small charities."),
]


# What a reader takes a text to be about besides its topics: any of these words in it.
CONCEPTS = {
    "probation": ["probation", "community sentence", "community order", "on licence"],
    "ex_offenders": [
        "ex-offender",
        "ex offender",
        "prison leaver",
        "people with convictions",
        "criminal convictions",
        "offenders",
        "ex-prisoners",
        "who have offended",
        "leaving prison",
    ],
    "custody": ["custody"],
    "reoffending": ["reoffending", "re-offending", "recidivism"],
    "women": ["women"],
    "accommodation": ["housing", "accommodation", "homes", "tenancies"],
    "mentoring": ["mentoring", "befriending", "peer support", "mentors"],
}


def about(text: str) -> set[str]:
    text = text.lower()
    return {concept for concept, words in CONCEPTS.items() if any(w in text for w in words)}


def served(services: list[dict]) -> set[str]:
    """Topics of the taxonomy terms of services: "custody", "region:wales"."""
    topics = {f"region:{r}" for service in services for r in service["regions"]}
    if any("custody" in service["settings"] for service in services):
        topics.add("custody")
    return topics


@dataclass
class Entry:
    name: str
    summary: str
    description: str
    topics: set[str]
    region: str | None = None
    services: list[dict] = field(default_factory=list)


def _service(name: str, region: str, **terms) -> dict:
    return {"name": name, "pathways": [], "client_groups": [], "settings": ["community"]} | {
        "regions": [region],
        **terms,
    }


# Profiles written for the queries a commissioner types first.
ANCHORS = [
    Entry(
        "Safe Harbour Women's Housing",
        "Supported accommodation for women leaving prison in Greater Manchester.",
        "Eight shared houses with a key worker for each woman.",
        {"women", "accommodation", "ex_offenders"},
        "greater-manchester",
        [
            _service(
                "Women's supported housing",
                "greater-manchester",
                pathways=["accommodation"],
                client_groups=["women"],
            )
        ],
    ),
    Entry(
        "Marigold Homes for Women",
        "Safe homes and tenancy support for women with convictions.",
        "",
        {"women", "accommodation", "ex_offenders"},
        "london",
        [
            _service(
                "Move-on homes",
                "london",
                pathways=["accommodation"],
                client_groups=["women"],
            )
        ],
    ),
    Entry(
        "Threshold Women’s Project",
        "Women’s accommodation and resettlement after custody.",
        "",
        {"women", "accommodation"},
        "wales",
        [_service("Resettlement", "wales", pathways=["accommodation"], client_groups=["women"])],
    ),
    Entry(
        "Fresh Start Ex-Offenders Network",
        "A network run by and for ex-offenders across the North East.",
        "",
        {"ex_offenders"},
        "north-east",
        [_service("Peer network", "north-east")],
    ),
    Entry(
        "Beyond Bars Prison Leavers Trust",
        "Practical help for prison leavers in their first month out.",
        "",
        {"ex_offenders"},
        "south-west",
        [_service("First month support", "south-west")],
    ),
]


def entries(seed: int = 15) -> list[Entry]:
    """The data set: about 330 organisations, the same every time."""
    rng = random.Random(seed)
    found: list[Entry] = [
        Entry(a.name, a.summary, a.description, a.topics | served(a.services), a.region, a.services)
        for a in ANCHORS
    ]
    names: set[str] = {entry.name for entry in ANCHORS}
    topic_names = list(TOPICS)
    for place, region in PLACES:
        for topic_name in rng.sample(topic_names, 6):
            topic = TOPICS[topic_name]
            name = rng.choice(topic.names).format(place=place)
            if name in names:
                continue
            names.add(name)
            topics = {topic_name}
            summary = rng.choice(topic.summaries).format(place=place)
            sentences = []
            second = None
            if rng.random() < 0.3:
                second = rng.choice([t for t in topic_names if t != topic_name])
                topics.add(second)
                sentences.append(rng.choice(TOPICS[second].summaries).format(place=place))
            for extra, options in EXTRA_SENTENCES.items():
                if rng.random() < 0.2:
                    topics.add(extra)
                    sentences.append(rng.choice(options).format(place=place))
            services = [
                {
                    "name": rng.choice(TOPICS[t].services),
                    "pathways": TOPICS[t].pathways,
                    "client_groups": TOPICS[t].client_groups,
                    "settings": TOPICS[t].settings or ["community"],
                    "regions": [region],
                }
                for t in [topic_name, second]
                if t
            ]
            description = " ".join(sentences)
            topics |= about(" ".join([name, summary, description])) | served(services)
            found.append(Entry(name, summary, description, topics, region, services))
    for name, objects, topics in REGISTER_ENTRIES:
        found.append(Entry(name, "", objects, set(topics) | about(f"{name} {objects}")))
    for place, _region in PLACES[::2]:
        for pattern in UNRELATED_REGISTER[: 3 if place < "M" else 6]:
            name = pattern.format(PLACE=place.upper())
            key = next(k for k in UNRELATED_OBJECTS if k in name)
            found.append(Entry(name, "", UNRELATED_OBJECTS[key], set()))
    for name, summary in LOOK_ALIKES:
        found.append(Entry(name, summary, "", set()))
    return found
