//! The built-in skills store (a4b.md §7.1): a small, fictional, static catalogue of categories and
//! public skills, plus the private skills every account sees published to it. Ids and names are
//! invented; none is a real Alexa skill.

use trailroom_model::a4b::{Category, DeveloperInfo, SkillDetails, SkillsStoreSkill};

/// A skills-store category.
pub(crate) struct StoreCategory {
    pub id: i64,
    pub name: &'static str,
}

/// Categories, ordered by id (ListSkillsStoreCategories returns them in this order).
pub(crate) const CATEGORIES: &[StoreCategory] = &[
    StoreCategory {
        id: 1001,
        name: "Business & Finance",
    },
    StoreCategory {
        id: 1002,
        name: "Communication",
    },
    StoreCategory {
        id: 1003,
        name: "Education & Reference",
    },
    StoreCategory {
        id: 1004,
        name: "Food & Drink",
    },
    StoreCategory {
        id: 1005,
        name: "News",
    },
    StoreCategory {
        id: 1006,
        name: "Productivity",
    },
    StoreCategory {
        id: 1007,
        name: "Smart Home",
    },
    StoreCategory {
        id: 1008,
        name: "Travel & Transportation",
    },
    StoreCategory {
        id: 1009,
        name: "Utilities",
    },
    StoreCategory {
        id: 1010,
        name: "Weather",
    },
];

/// One built-in skill: a public store entry (with a category) or a built-in private skill.
pub(crate) struct CatalogueSkill {
    pub id: &'static str,
    pub name: &'static str,
    /// Store category; `None` for private skills, which are not in the store.
    pub category: Option<i64>,
    pub supports_linking: bool,
    /// `SkillDetails.SkillTypes` (CUSTOM, FLASH_BRIEFING, SMART_HOME).
    pub store_type: &'static str,
    /// File name stem of the icon and EULA URLs.
    pub slug: &'static str,
    pub short_description: &'static str,
    pub product_description: &'static str,
    pub release_date: &'static str,
    pub keywords: &'static [&'static str],
    pub bullets: &'static [&'static str],
    pub new_bullets: &'static [&'static str],
    pub utterances: &'static [&'static str],
}

impl CatalogueSkill {
    /// Whether this is one of the built-in private skills.
    pub fn is_private(&self) -> bool {
        self.category.is_none()
    }

    /// The full store record (every `SkillsStoreSkill` member filled; `Reviews` is deprecated).
    pub fn store_record(&self) -> SkillsStoreSkill {
        let strings = |items: &[&str]| Some(items.iter().map(|s| (*s).to_owned()).collect());
        SkillsStoreSkill {
            skill_id: Some(self.id.to_owned()),
            skill_name: Some(self.name.to_owned()),
            short_description: Some(self.short_description.to_owned()),
            icon_url: Some(format!("https://a4b.invalid/icons/{}.png", self.slug)),
            sample_utterances: strings(self.utterances),
            supports_linking: Some(self.supports_linking),
            skill_details: Some(SkillDetails {
                product_description: Some(self.product_description.to_owned()),
                invocation_phrase: Some(self.name.to_lowercase()),
                release_date: Some(self.release_date.to_owned()),
                end_user_license_agreement: Some(format!("https://a4b.invalid/eula/{}", self.slug)),
                generic_keywords: strings(self.keywords),
                bullet_points: strings(self.bullets),
                new_in_this_version_bullet_points: strings(self.new_bullets),
                skill_types: Some(vec![self.store_type.to_owned()]),
                reviews: None,
                developer_info: Some(DeveloperInfo {
                    developer_name: Some("Example Labs".to_owned()),
                    privacy_policy: Some("https://a4b.invalid/privacy".to_owned()),
                    email: Some("skills@example.com".to_owned()),
                    url: Some("https://a4b.invalid".to_owned()),
                }),
            }),
        }
    }
}

impl StoreCategory {
    /// The model's `Category`.
    pub fn to_model(&self) -> Category {
        Category {
            category_id: Some(self.id),
            category_name: Some(self.name.to_owned()),
        }
    }
}

/// The built-in skill with `id`, if any.
pub(crate) fn find(id: &str) -> Option<&'static CatalogueSkill> {
    SKILLS.iter().find(|s| s.id == id)
}

/// Public skills of category `id`, in catalogue order.
pub(crate) fn in_category(id: i64) -> impl Iterator<Item = &'static CatalogueSkill> {
    SKILLS.iter().filter(move |s| s.category == Some(id))
}

/// Every built-in skill: the public store first (grouped by category), then the private skills.
pub(crate) const SKILLS: &[CatalogueSkill] = &[
    CatalogueSkill {
        id: "amzn1.ask.skill.0b6c1f3e-2a94-4d1e-9f37-1c5a8e2d7b01",
        name: "Expense Helper",
        category: Some(1001),
        supports_linking: true,
        store_type: "CUSTOM",
        slug: "expense-helper",
        short_description: "Files expenses by voice.",
        product_description: "Records receipts and mileage against your expense account.",
        release_date: "2018-06-12",
        keywords: &["expenses", "finance"],
        bullets: &["Log receipts by voice", "Check report status"],
        new_bullets: &["Mileage entries"],
        utterances: &[
            "Alexa, open expense helper",
            "Alexa, ask expense helper to log a taxi ride",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.1d7e2a4f-3b05-4e2f-8a48-2d6b9f3e8c02",
        name: "Market Minute",
        category: Some(1001),
        supports_linking: false,
        store_type: "FLASH_BRIEFING",
        slug: "market-minute",
        short_description: "A one-minute market summary.",
        product_description: "Summarises the day's market movements in under a minute.",
        release_date: "2018-09-03",
        keywords: &["markets", "briefing"],
        bullets: &["Updated every trading day"],
        new_bullets: &["Shorter summaries"],
        utterances: &[
            "Alexa, what's my flash briefing",
            "Alexa, play market minute",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.2e8f3b5a-4c16-4f3a-9b59-3e7c0a4f9d03",
        name: "Conference Caller",
        category: Some(1002),
        supports_linking: true,
        store_type: "CUSTOM",
        slug: "conference-caller",
        short_description: "Joins your scheduled calls.",
        product_description: "Finds the next meeting on your calendar and dials into it.",
        release_date: "2019-01-21",
        keywords: &["meetings", "calls"],
        bullets: &["One-phrase dial-in", "Reads the meeting PIN for you"],
        new_bullets: &["Support for SIP endpoints"],
        utterances: &[
            "Alexa, ask conference caller to join my meeting",
            "Alexa, open conference caller",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.3f9a4c6b-5d27-4a4b-8c6a-4f8d1b5a0e04",
        name: "Office Dictionary",
        category: Some(1003),
        supports_linking: false,
        store_type: "CUSTOM",
        slug: "office-dictionary",
        short_description: "Explains company jargon.",
        product_description: "Defines acronyms and terms from a shared office glossary.",
        release_date: "2018-11-30",
        keywords: &["dictionary", "glossary"],
        bullets: &["Thousands of business terms"],
        new_bullets: &["Spelling mode"],
        utterances: &[
            "Alexa, ask office dictionary what KPI means",
            "Alexa, open office dictionary",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.4a0b5d7c-6e38-4b5c-9d7b-5a9e2c6b1f05",
        name: "Cafeteria Menu",
        category: Some(1004),
        supports_linking: false,
        store_type: "CUSTOM",
        slug: "cafeteria-menu",
        short_description: "Today's menu in the cafeteria.",
        product_description: "Reads the daily cafeteria menu, including vegetarian options.",
        release_date: "2019-02-04",
        keywords: &["food", "menu"],
        bullets: &["Daily specials", "Allergen information"],
        new_bullets: &["Weekly menu preview"],
        utterances: &[
            "Alexa, ask cafeteria menu what's for lunch",
            "Alexa, open cafeteria menu",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.5b1c6e8d-7f49-4c6d-8e8c-6b0f3d7c2a06",
        name: "Company Headlines",
        category: Some(1005),
        supports_linking: false,
        store_type: "FLASH_BRIEFING",
        slug: "company-headlines",
        short_description: "Internal news in a flash briefing.",
        product_description: "Plays the latest internal announcements as a flash briefing.",
        release_date: "2018-07-16",
        keywords: &["news", "briefing"],
        bullets: &["Updated hourly"],
        new_bullets: &["Department filters"],
        utterances: &["Alexa, what's in the news", "Alexa, play company headlines"],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.6c2d7f9e-8a5a-4d7e-9f9d-7c1a4e8d3b07",
        name: "Meeting Timer",
        category: Some(1006),
        supports_linking: false,
        store_type: "CUSTOM",
        slug: "meeting-timer",
        short_description: "Keeps meetings on schedule.",
        product_description: "Starts a countdown and warns the room before time is up.",
        release_date: "2019-03-14",
        keywords: &["timer", "meeting"],
        bullets: &["Countdowns up to 4 hours", "Warns at 5 minutes"],
        new_bullets: &["Custom warning time"],
        utterances: &[
            "Alexa, open meeting timer",
            "Alexa, ask meeting timer for ten minutes",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.7d3e8a0f-9b6b-4e8f-8a0e-8d2b5f9e4c08",
        name: "Room Finder",
        category: Some(1006),
        supports_linking: true,
        store_type: "CUSTOM",
        slug: "room-finder",
        short_description: "Finds a free meeting room.",
        product_description: "Checks room calendars and books the nearest free room.",
        release_date: "2019-04-02",
        keywords: &["rooms", "booking"],
        bullets: &["Books rooms by voice", "Knows room sizes"],
        new_bullets: &["Floor preferences"],
        utterances: &[
            "Alexa, ask room finder for a free room",
            "Alexa, open room finder",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.8e4f9b1a-0c7c-4f9a-9b1f-9e3c6a0f5d09",
        name: "Quick Poll",
        category: Some(1006),
        supports_linking: false,
        store_type: "CUSTOM",
        slug: "quick-poll",
        short_description: "Runs a show-of-voices poll.",
        product_description: "Asks the room a question and tallies the answers.",
        release_date: "2019-05-27",
        keywords: &["poll", "vote"],
        bullets: &["Yes/no and multiple choice"],
        new_bullets: &["Anonymous mode"],
        utterances: &[
            "Alexa, ask quick poll to start a vote",
            "Alexa, open quick poll",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.9f5a0c2b-1d8d-4a0b-8c2a-0f4d7b1a6e10",
        name: "Smart Office Lights",
        category: Some(1007),
        supports_linking: true,
        store_type: "SMART_HOME",
        slug: "smart-office-lights",
        short_description: "Controls meeting-room lighting.",
        product_description: "Turns lights on, off and dims them in the room you are in.",
        release_date: "2018-10-08",
        keywords: &["lights", "smart home"],
        bullets: &["Dimming", "Scenes"],
        new_bullets: &["Presentation scene"],
        utterances: &["Alexa, turn on the lights", "Alexa, dim the ceiling light"],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.a06b1d3c-2e9e-4b1c-9d3b-1a5e8c2b7f11",
        name: "Thermostat Control",
        category: Some(1007),
        supports_linking: true,
        store_type: "SMART_HOME",
        slug: "thermostat-control",
        short_description: "Sets the room temperature.",
        product_description: "Reads and sets the thermostat of the room you are in.",
        release_date: "2018-12-10",
        keywords: &["thermostat", "smart home"],
        bullets: &["Set and read temperature"],
        new_bullets: &["Eco mode"],
        utterances: &[
            "Alexa, set the temperature to 21 degrees",
            "Alexa, what's the temperature",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.b17c2e4d-3f0f-4c2d-8e4c-2b6f9d3c8a12",
        name: "Shuttle Schedule",
        category: Some(1008),
        supports_linking: false,
        store_type: "CUSTOM",
        slug: "shuttle-schedule",
        short_description: "When the next campus shuttle leaves.",
        product_description: "Tells you the next departures of the campus shuttle.",
        release_date: "2019-06-18",
        keywords: &["shuttle", "transport"],
        bullets: &["Live departures"],
        new_bullets: &["Weekend timetable"],
        utterances: &[
            "Alexa, ask shuttle schedule when the next bus leaves",
            "Alexa, open shuttle schedule",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.c28d3f5e-4a1a-4d3e-9f5d-3c7a0e4d9b13",
        name: "Unit Converter",
        category: Some(1009),
        supports_linking: false,
        store_type: "CUSTOM",
        slug: "unit-converter",
        short_description: "Converts units and currencies.",
        product_description: "Converts lengths, weights, temperatures and currencies.",
        release_date: "2018-08-22",
        keywords: &["units", "conversion"],
        bullets: &["Metric and imperial", "Currencies"],
        new_bullets: &["Cooking measures"],
        utterances: &[
            "Alexa, ask unit converter for ten miles in kilometres",
            "Alexa, open unit converter",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.d39e4a6f-5b2b-4e4f-8a6e-4d8b1f5e0c14",
        name: "Campus Weather",
        category: Some(1010),
        supports_linking: false,
        store_type: "CUSTOM",
        slug: "campus-weather",
        short_description: "The forecast for your campus.",
        product_description: "Gives the current weather and forecast for the office location.",
        release_date: "2019-07-01",
        keywords: &["weather", "forecast"],
        bullets: &["Hourly forecast"],
        new_bullets: &["Rain alerts"],
        utterances: &[
            "Alexa, ask campus weather if it will rain",
            "Alexa, open campus weather",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.e4af5b7a-6c3c-4f5a-9b7f-5e9c2a6f1d15",
        name: "IT Help Desk",
        category: None,
        supports_linking: false,
        store_type: "CUSTOM",
        slug: "it-help-desk",
        short_description: "Reports IT problems for your room.",
        product_description: "Opens a help-desk ticket for the room the request comes from.",
        release_date: "2019-08-05",
        keywords: &["it", "help desk"],
        bullets: &["Room-aware tickets"],
        new_bullets: &["Ticket status"],
        utterances: &[
            "Alexa, ask help desk to report a broken screen",
            "Alexa, open help desk",
        ],
    },
    CatalogueSkill {
        id: "amzn1.ask.skill.f5ba6c8b-7d4d-4a6b-8c8a-6f0d3b7a2e16",
        name: "HR Benefits",
        category: None,
        supports_linking: true,
        store_type: "CUSTOM",
        slug: "hr-benefits",
        short_description: "Answers questions about your benefits.",
        product_description: "Looks up leave balances and benefit enrolment details.",
        release_date: "2019-09-09",
        keywords: &["hr", "benefits"],
        bullets: &["Leave balance", "Benefit plans"],
        new_bullets: &["Open enrolment reminders"],
        utterances: &[
            "Alexa, ask HR benefits how much leave I have",
            "Alexa, open HR benefits",
        ],
    },
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_are_unique_valid_and_categories_exist() {
        let mut seen = HashSet::new();
        for skill in SKILLS {
            assert!(seen.insert(skill.id), "duplicate {}", skill.id);
            let rest = skill.id.strip_prefix("amzn1.ask.skill.").unwrap();
            assert!(
                rest.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || b == b'-')
            );
            if let Some(category) = skill.category {
                assert!(CATEGORIES.iter().any(|c| c.id == category));
            }
        }
        assert!(CATEGORIES.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(SKILLS.iter().filter(|s| s.is_private()).count(), 2);
    }

    #[test]
    fn store_records_fill_every_member() {
        let record = find("amzn1.ask.skill.6c2d7f9e-8a5a-4d7e-9f9d-7c1a4e8d3b07")
            .unwrap()
            .store_record();
        assert_eq!(
            record.icon_url.as_deref(),
            Some("https://a4b.invalid/icons/meeting-timer.png")
        );
        let details = record.skill_details.unwrap();
        assert_eq!(details.invocation_phrase.as_deref(), Some("meeting timer"));
        assert_eq!(details.skill_types, Some(vec!["CUSTOM".to_owned()]));
        assert!(details.developer_info.is_some() && details.release_date.is_some());
        assert_eq!(in_category(1006).count(), 3);
        assert_eq!(in_category(4242).count(), 0);
    }
}
