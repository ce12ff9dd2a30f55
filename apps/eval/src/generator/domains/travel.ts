import type { DomainKit, Gen } from '../domain-kit.ts';

const HOTELS = [
  'Hotel Almirante',
  'Casa Amora Guesthouse',
  'The Lumen Riverside',
  'Pousada do Largo',
  'Hotel Miradouro Alto',
  'Albergaria Serrana',
  'The Corvo Townhouse',
  'Quinta das Laranjeiras',
];
const AIRLINES = ['TP', 'IB', 'FR', 'U2', 'VY', 'LH', 'KL'];
const DAY_TRIPS = ['Sintra', 'Cascais', 'Evora', 'Obidos', 'Arrabida', 'Setubal', 'Nazare'];
const RESTAURANTS = [
  'Taberna Sete Mares',
  'Cervejaria Alfacinha',
  'O Pescador Velho',
  'Tasca do Bairro',
  'Mercado Novo Bistro',
  'Adega das Lanternas',
];

const claimFrom = (pool: readonly string[], what: string) => (g: Gen) =>
  g.registry.claimFrom(g.rng, pool, what);

export const travelKit: DomainKit = {
  domain: 'travel',
  systemPrompt:
    'You are a travel planning assistant. Search before you recommend, keep the itinerary ' +
    'consistent with what the traveller decided, and always mention booking references and ' +
    'times exactly as the booking systems return them.',
  topics: [
    {
      name: 'getting there',
      questions: [
        'What is the cheapest way to get from Madrid to Lisbon in {month}?',
        'Is it worth taking the night train or should we just fly?',
        'How early do we need to be at the airport for a short European flight?',
        'Can we bring a folding bike on the train?',
        'Which airport is closer to the old town?',
      ],
      answers: [
        'Flying is usually the fastest option, but the airport transfers eat up most of the time you save.',
        'The train takes longer door to door but you can work the whole way and there is no security queue.',
        'For a short flight within Schengen, arriving ninety minutes before departure is comfortable.',
        'Budget carriers charge separately for cabin bags over the small under-seat size, so check that before comparing fares.',
        'The metro from the airport reaches the centre in about twenty-five minutes and runs until one in the morning.',
        'Folding bikes travel free on most regional trains as long as they are folded and bagged.',
        'Fares on this route usually rise sharply in the last three weeks, so booking soon is sensible.',
        'If you are travelling with a lot of luggage, a taxi from the airport is a flat fare at night and not much more than the metro for a group.',
      ],
      slots: { month: ['May', 'June', 'September', 'October'] },
    },
    {
      name: 'where to stay',
      questions: [
        'Which neighbourhood is best for a first visit if we want to walk everywhere?',
        'Are the hotels near the river noisy at night?',
        'Would an apartment make more sense than a hotel for a week?',
        'Do most places include breakfast or is that extra?',
        'Is there anywhere with a pool that is not too far from the centre?',
      ],
      answers: [
        'The area around the old squares is very walkable, though the hills are steep and the cobbles are slippery when wet.',
        'Places by the river can be lively until late at weekends, so ask for a room at the back if you sleep lightly.',
        'An apartment pays off after four or five nights, especially if you want to cook some meals.',
        'Breakfast is included in most small hotels and guesthouses, and usually extra in the larger chains.',
        'Pools are rare in the centre; the few hotels that have one are on the rooftops and book up early in summer.',
        'Late check-out is often free if you ask the day before, but it is never guaranteed in high season.',
        'Tourist tax is charged per person per night on arrival, up to seven nights.',
      ],
      list: [
        'Check the cancellation deadline',
        'Ask for a quiet room',
        'Confirm whether breakfast is included',
        'Note the check-in time and the late arrival instructions',
      ],
    },
    {
      name: 'day trips',
      questions: [
        'What day trips can we do without a car?',
        'How crowded are the palaces at the weekend?',
        'Is it better to book a guided tour or just go on our own?',
        'Can we do two day trips on the same day or is that too much?',
      ],
      answers: [
        'Most of the classic day trips are reachable by suburban train in under an hour.',
        'The palaces are very busy from late morning, so arriving at opening time makes a real difference.',
        'Going on your own is cheaper and more flexible; a tour mostly saves you the queue for tickets.',
        'Two day trips in one day means more time on trains than at the places themselves, so I would not recommend it.',
        'Buy the palace tickets online the day before, because the ticket office queue can take an hour in summer.',
        'Bring water and comfortable shoes: the walk up to the castle is steep and there is little shade.',
      ],
      list: [
        'Leave on the first or second train of the morning',
        'Buy entry tickets online the day before',
        'Take a light jacket, it gets windy near the coast',
        'Plan lunch away from the main square',
      ],
    },
    {
      name: 'food',
      questions: [
        'Where should we eat on the first night, something local and not touristy?',
        'Do restaurants take reservations or is it walk-in only?',
        'Is tipping expected?',
        'What should we absolutely try while we are there?',
        'Any good options for a vegetarian in the group?',
      ],
      answers: [
        'The small family places in the side streets are usually better value than anything on the main squares.',
        'Popular places take reservations for dinner, and it is worth calling in the afternoon for the same evening.',
        'Tipping is appreciated but modest: rounding up or leaving five to ten percent is normal.',
        'Grilled fish, custard tarts and the green soup are the classics everyone should try once.',
        'Vegetarian options have improved a lot, and most menus now mark at least two dishes without meat or fish.',
        'Lunch menus on weekdays are a bargain: soup, a main course and coffee for a fixed price.',
        'Dinner starts late by northern European standards; many kitchens only get busy after eight.',
      ],
    },
    {
      name: 'money and documents',
      questions: [
        'Do we need cash or can we pay by card everywhere?',
        'Do we need to do anything about travel insurance for the hire car?',
        'Is my ID card enough or do I need my passport?',
        'What is the best way to get euros without paying huge fees?',
      ],
      answers: [
        'Cards work almost everywhere, though small cafes and market stalls sometimes prefer cash for small amounts.',
        'Withdrawing from a bank machine is usually cheaper than exchanging at the airport, as long as you decline the conversion the machine offers.',
        'Within the Schengen area a national ID card is enough for citizens of member states; everyone else needs a passport.',
        'The rental desk will offer extra insurance; check first whether your credit card already covers the excess.',
        'Keep a photo of your documents on your phone and a paper copy in a different bag.',
      ],
    },
  ],
  facts: {
    amount: [
      'Our total budget is {v} for everything except flights.',
      'I already paid a deposit of {v}.',
      'We want to keep the hotel under {v} for the whole stay.',
    ],
    date: [
      'We arrive on {v}, in the evening.',
      'We have to be back home by {v}.',
      "It's my partner's birthday on {v}, so that evening should be special.",
      'The conference I am going for starts on {v}.',
    ],
    name: [
      'The booking should be under the name {v}.',
      'My travel companion is {v}, please add them to everything.',
      'Our friend {v} might join us for the last two days.',
    ],
    email: ['Send the confirmations to {v}, please.', 'My email for the bookings is {v}.'],
    phone: ['The hotel may need a phone number, use {v}.', 'My mobile while travelling is {v}.'],
    address: [
      'We are leaving from {v}, if that matters for the transfer.',
      'Our friends live at {v}, we might stay with them one night.',
    ],
    count: [
      'We will be {v:people} in total.',
      'We are bringing {v:bags} with us.',
      'The trip is {v:nights} long.',
    ],
  },
  decisions: [
    {
      subject: 'the hotel',
      value: claimFrom(HOTELS, 'hotel'),
      decide: [
        "Let's book the {v}.",
        'The {v} looks perfect, let us go with that one.',
        'I think we take the {v}.',
      ],
      confirm: [
        'Great choice, I will plan the days around the {v}.',
        'The {v} it is; it is close to everything you mentioned.',
      ],
      revise: [
        'Change the hotel to the {new}.',
        'Actually, switch us to the {new}, my partner found better reviews.',
        'On second thought go with the {new} instead of the {old}.',
        'Scratch the {old}, we want the {new}.',
      ],
      confirmRevision: [
        'Understood, I have moved everything to the {new}.',
        'No problem, the {new} then.',
      ],
    },
    {
      subject: 'the train',
      value: (g) => g.decidedTime(),
      decide: [
        "We'll take the {v} train.",
        'Book us on the {v} departure, please.',
        'The {v} train works best for us.',
      ],
      confirm: ['Okay, the {v} train.', 'Noted, you are on the {v} departure.'],
      revise: [
        'Make it the {new} train rather than the {old}.',
        'Actually, the {new} departure would be better.',
        'Can we switch to the {new} one? Too early otherwise.',
        'On second thought take the {new}.',
      ],
      confirmRevision: ['Changed to the {new} departure.', 'Sure, the {new} train then.'],
    },
    {
      subject: 'the flight',
      value: (g) =>
        g.registry.claim(() => `${g.rng.pick(AIRLINES)} ${g.rng.int(100, 9899)}`, 'flight'),
      decide: ["Let's go with flight {v}.", 'Book flight {v} for both of us.'],
      confirm: ['Flight {v} noted.', 'Okay, I will plan the first day around flight {v}.'],
      revise: [
        'Actually, switch it to flight {new}.',
        'Change the flight to {new}, the other one has a terrible connection.',
        'Go with {new} rather than {old}.',
      ],
      confirmRevision: ['Updated to flight {new}.', 'Done, you are now on {new}.'],
    },
    {
      subject: 'the day trip',
      value: claimFrom(DAY_TRIPS, 'day trip'),
      decide: ["For the free day let's do {v}.", 'We picked {v} for the day trip.'],
      confirm: ['{v} is a lovely choice for a day trip.', 'Okay, a day in {v}.'],
      revise: [
        'Actually, let us do {new} instead.',
        'Change the day trip to {new}, we have seen {old} before.',
        'On second thought, {new} sounds more relaxing.',
      ],
      confirmRevision: ['Sure, I swapped the day trip to {new}.', '{new} then, good call.'],
    },
    {
      subject: 'the dinner reservation',
      value: claimFrom(RESTAURANTS, 'restaurant'),
      decide: ['Book {v} for the birthday dinner.', "Let's reserve {v}."],
      confirm: ['I will note {v} for that evening.', '{v} it is.'],
      revise: [
        'Change the reservation to {new}.',
        'Actually, {new} instead of {old}, it has a terrace.',
        'Make it {new}, please.',
      ],
      confirmRevision: ['Switched the reservation to {new}.', 'Okay, {new} for dinner.'],
    },
  ],
  lookups: [
    {
      tool: 'search_hotels',
      asks: [
        'Can you look for places to stay near the {item}?',
        'What is available close to the {item} for our dates?',
      ],
      items: [
        'cathedral',
        'riverfront',
        'flea market',
        'old tram depot',
        'botanical garden',
        'main station',
      ],
      args: (g, item) => ({ near: item, checkIn: g.date(), nights: g.rng.int(2, 9), guests: 2 }),
      record: (g, item) => ({
        name: `${g.rng.pick(['Residencial', 'Hostel', 'Apartamentos', 'Hotel'])} ${g.id('', 4).toUpperCase()}`,
        distanceMeters: g.rng.int(80, 2400),
        nearby: item,
        pricePerNight: g.rng.int(60, 340),
        rating: Math.round((6 + g.rng.float() * 4) * 10) / 10,
        rooms: Array.from({ length: g.rng.int(1, 3) }, () => ({
          type: g.rng.pick(['double', 'twin', 'family', 'studio']),
          refundable: g.rng.chance(0.6),
          breakfast: g.rng.chance(0.5),
        })),
        bookingUrl: g.artifact('url'),
        contact: g.artifact('email'),
      }),
      envelope: (records, g) => ({ results: records, currency: 'EUR', searchId: g.id('srch_') }),
      artifacts: [
        {
          category: 'url',
          path: ['bookingUrl'],
          references: [
            'Can you send me the booking link for the place near the {item} again?',
            'Where do I book that place by the {item}?',
          ],
        },
        {
          category: 'email',
          path: ['contact'],
          references: ['How do I contact the place near the {item} about a late arrival?'],
        },
      ],
      answers: [
        'I found a handful of options near the {item}; the best-rated one is a short walk away and has refundable rooms.',
        'Prices near the {item} are a little higher than further out, but you save on taxis.',
      ],
      referenceAnswers: [
        'The place near the {item} is the one I found earlier; it still shows availability.',
        'For the place by the {item}, the booking page and contact are in the search result from before.',
      ],
    },
    {
      tool: 'get_booking',
      asks: [
        'Can you check the status of our booking for the {item}?',
        'Did the {item} booking go through?',
      ],
      items: [
        'airport transfer',
        'palace tickets',
        'fado evening',
        'boat tour',
        'car hire',
        'cooking class',
      ],
      args: (g) => ({ travellerId: g.id('trv_', 8) }),
      record: (g, item) => ({
        product: item,
        status: g.rng.pick(['confirmed', 'pending payment', 'waitlisted']),
        reference: g.artifact('ticket-id'),
        voucher: g.artifact('file-path'),
        date: g.date(),
        participants: g.rng.int(1, 4),
        supplier: { name: g.person(), phone: `+351 21 ${g.rng.digits(3)} ${g.rng.digits(4)}` },
      }),
      envelope: (records) => ({ bookings: records }),
      artifacts: [
        {
          category: 'ticket-id',
          path: ['reference'],
          references: [
            'What was the reference for the {item} again?',
            'The driver for the {item} is asking for our booking number.',
          ],
        },
        {
          category: 'file-path',
          path: ['voucher'],
          references: ['Where is the voucher for the {item}? I need to print it.'],
        },
      ],
      answers: [
        'The {item} is confirmed for your dates.',
        'Everything for the {item} is paid and the voucher is ready.',
      ],
      referenceAnswers: [
        'The {item} booking is the one I checked earlier; it is confirmed.',
        'You will find the {item} details in the booking I looked up before.',
      ],
    },
    {
      tool: 'search_trains',
      asks: ['What trains are there to {item}?', 'Can you check the train times to {item}?'],
      items: ['Porto', 'Coimbra', 'Faro', 'Aveiro', 'Braga'],
      args: (g, item) => ({ from: 'Lisboa Santa Apolonia', to: item, date: g.date() }),
      record: (g, item) => ({
        to: item,
        departs: g.time(),
        arrives: g.time(),
        train: `${g.rng.pick(['AP', 'IC', 'R'])} ${g.rng.int(100, 999)}`,
        fares: { second: g.rng.int(12, 40), first: g.rng.int(30, 70) },
        seatsLeft: g.rng.int(0, 80),
      }),
      envelope: (records) => ({ departures: records }),
      artifacts: [],
      answers: [
        'There are several direct trains to {item} through the day; the faster ones take a little under three hours.',
        'First class is only a few euros more on the trains to {item} if you book early.',
      ],
      referenceAnswers: ['The trains to {item} are the ones I listed before; nothing has changed.'],
    },
    {
      tool: 'get_weather',
      asks: ['What will the weather be like in {item} while we are there?'],
      items: ['Lisbon', 'Madeira', 'Porto', 'the Algarve'],
      args: (_g, item) => ({ location: item, days: 7 }),
      record: (g, item) => ({
        location: item,
        daily: Array.from({ length: 7 }, () => ({
          date: g.date(),
          highC: g.rng.int(14, 31),
          lowC: g.rng.int(8, 19),
          rainMm: g.rng.int(0, 12),
          summary: g.rng.pick(['sunny', 'partly cloudy', 'showers', 'windy', 'overcast']),
        })),
      }),
      artifacts: [],
      answers: [
        'It looks mostly dry for {item}, with a couple of cloudy days and cool evenings.',
        'Pack a light jacket for {item}; the evenings drop to the low teens.',
      ],
      referenceAnswers: ['The forecast for {item} has not changed much since I checked.'],
    },
  ],
  checking: [
    'Let me search that for you.',
    'One moment, I will check availability.',
    "I'll look at the options.",
    'Let me check the booking system.',
  ],
  toolErrors: [
    'supplier API timeout after 8000 ms',
    '502 Bad Gateway from rail operator feed',
    'rate limited by the hotel search provider: retry after 20 s',
    'invalid session token for the booking platform',
  ],
  failureAnswers: [
    'The booking system did not answer just now, so I cannot confirm that yet.',
    'Sorry, the search failed on the provider side; I will try again in a moment.',
  ],
  openRequests: [
    'Great. Can you put the whole plan into a day-by-day itinerary with the hotel, the train times, the flight and all the booking references?',
    'Before we finish, please list everything we still need to book and everything that is already confirmed, with the references.',
    'Can you write a short message I can send to my travel companion with the final plan and the links they need?',
  ],
};
