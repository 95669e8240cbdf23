package sandbox

// The crowd writing ordinary mail, and what they write about.
var crowd = []persona{
	{name: "Léa Moreau", email: "lea.moreau@framasoft.example"},
	{name: "Hugo Bernard", email: "hugo@bernard-family.example"},
	{name: "Chloé Petit", email: "chloe.petit@university.example"},
	{name: "Louis Garcia", email: "louis.garcia@cityhall.example"},
	{name: "Emma Roux", email: "emma.roux@" + MailDomain},
	{name: "Nathan Fournier", email: "nathan@fournier-design.example"},
	{name: "Manon Girard", email: "manon.girard@clinic.example"},
	{name: "Jules Bonnet", email: "jules.bonnet@" + MailDomain},
	{name: "Inès Lambert", email: "ines@lambert-avocats.example"},
	{name: "Gabriel Fontaine", email: "gabriel.fontaine@bank.example"},
	{name: "Sarah Chevalier", email: "sarah.chevalier@school.example"},
	{name: "Adam Robin", email: "adam.robin@coop.example"},
	{name: "Zoé Masson", email: "zoe.masson@theatre.example"},
	{name: "Raphaël Henry", email: "raphael.henry@" + MailDomain},
	{name: "Alice Dupuis", email: "alice.dupuis@library.example"},
	{name: "Noah Leclerc", email: "noah.leclerc@startup.example"},
	{name: "Jade Morel", email: "jade.morel@photo.example"},
	{name: "Arthur Guerin", email: "arthur.guerin@hospital.example"},
	{name: "Lina Faure", email: "lina.faure@ngo.example"},
	{name: "Paul Andre", email: "paul.andre@insurance.example"},
	{name: "Mila Blanc", email: "mila.blanc@gallery.example"},
	{name: "Tom Rousseau", email: "tom.rousseau@" + MailDomain},
	{name: "Eva Vincent", email: "eva.vincent@press.example"},
	{name: "Lucas Muller", email: "lucas.muller@garage.example"},
	{name: "Rose Lefevre", email: "rose.lefevre@florist.example"},
	{name: "Ethan Mercier", email: "ethan.mercier@club.example"},
	{name: "Anna Dubois", email: "anna.dubois@" + MailDomain},
	{name: "Léon Perrin", email: "leon.perrin@architects.example"},
	{name: "Julia Schmitt", email: "julia.schmitt@translate.example"},
	{name: "Sacha Caron", email: "sacha.caron@music.example"},
	{name: "Ambre Picard", email: "ambre.picard@bakery.example"},
	{name: "Maël Roger", email: "mael.roger@climbing.example"},
	{name: "Lou Gautier", email: "lou.gautier@" + MailDomain},
	{name: "Victor Leroy", email: "victor.leroy@plumbing.example"},
	{name: "Nina Colin", email: "nina.colin@yoga.example"},
	{name: "Martin Brun", email: "martin.brun@neighbours.example"},
}

var subjects = []string{
	"Lunch on Thursday?", "Minutes of Monday's meeting", "Your invoice #4821", "Photos from the weekend",
	"Can you review this?", "Change of plans for Friday", "Book club: next title", "Flat viewing confirmed",
	"Re: the budget spreadsheet", "Question about the contract", "Train tickets", "Birthday surprise for Anna",
	"Climbing session moved to 7pm", "Garden party RSVP", "Piano lessons schedule", "Your parcel is on its way",
	"Quick question", "Draft for your comments", "Conference travel", "Thank you!",
	"Dentist appointment reminder", "Volunteer shifts for the festival", "Re: recipe you asked for", "Neighbourhood meeting",
}

var bodies = []string{
	"Hi %s,\n\nDoes Thursday at 12:30 still work for you? The new place near the station has a terrace.\n\nSee you,",
	"Hello %s,\n\nPlease find the notes below. Main points: the schedule slips by one week, and we need two more volunteers.\n\nBest,",
	"Dear %s,\n\nThank you for your order. Your invoice is available in your account. Payment is due in 30 days.\n\nKind regards,",
	"Hi %s!\n\nI finally sorted the photos from the weekend. The one at the lake is my favourite. I'll share the album tonight.\n\nCheers,",
	"%s, could you have a look at the attached draft before Friday? Mostly section 3.\n\nThanks a lot,",
	"Hey %s,\n\nSmall change: we'll meet at the café instead of the library. Same time.\n\nSee you there,",
}

var listThreads = []string{
	"Release 0.4 planning", "Threading of mails without References", "Privacy index: weighting TLS hops",
	"Translating the onboarding", "IndexedDB quota on Safari", "Proposal: keyboard shortcuts", "WKD lookups through the relay",
	"Dark mode contrast issues",
}

var listBodies = []string{
	"Hi all,\n\nI'd like to discuss %q. I wrote up a first proposal on the wiki; comments welcome before Thursday.\n",
	"Thanks for starting this. On %q I mostly agree, but I'm worried about the edge cases with old clients.\n",
	"+1. For %q we could ship the simple version first and measure.\n",
	"I tested a prototype for %q on my phone: works, but the first sync is slow. Numbers below.\n",
	"Summary so far for %q: consensus on the approach, two open questions. I'll open issues.\n",
	"Late to the thread, sorry. %q: agreed with the summary.\n",
}
