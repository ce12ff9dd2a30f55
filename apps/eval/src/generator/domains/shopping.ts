import type { DomainKit, Gen } from '../domain-kit.ts';

const COLOURS = [
  'Slate Blue',
  'Forest Green',
  'Sand Beige',
  'Charcoal Grey',
  'Brick Red',
  'Ivory White',
];
const DELIVERY = ['next-day delivery', 'economy delivery', 'click and collect', 'weekend delivery'];
const PAYMENT = ['PayPal', 'Apple Pay', 'the Visa card', 'the Mastercard', 'store gift card'];
const HEADPHONES = [
  'Sony WH-1000XM5',
  'Bose QuietComfort Ultra',
  'Sennheiser Momentum 4',
  'AKG N700NC',
];

const claimFrom = (pool: readonly string[], what: string) => (g: Gen) =>
  g.registry.claimFrom(g.rng, pool, what);

const PRODUCTS = [
  'espresso grinder',
  'standing desk',
  'trail running shoes',
  'wool throw blanket',
  'cast iron skillet',
  'robot vacuum',
  'office chair',
  'rain jacket',
  'kids bike helmet',
  'air purifier',
  'bookshelf',
  'electric kettle',
];

export const shoppingKit: DomainKit = {
  domain: 'shopping',
  systemPrompt:
    'You are the shopping assistant of Northwind Goods. Help customers choose products, check ' +
    'their orders and deliveries with your tools, and remember their preferences and decisions. ' +
    'Never make up order numbers, tracking numbers or SKUs.',
  topics: [
    {
      name: 'choosing a product',
      questions: [
        'I need a {product} for a small flat, what would you recommend?',
        'What is the real difference between the cheap and the expensive {product}?',
        'Is the {product} you mentioned good for someone who is very tall?',
        'Which {product} has the best reviews for durability?',
        'Are there any deals on a {product} coming up?',
      ],
      answers: [
        'For a small space, the compact models do almost everything the large ones do and are much easier to store.',
        'The expensive models mostly add better materials and a longer warranty; the core function is very similar.',
        'Customers who are tall often mention the height range, so check the maximum setting in the specifications.',
        'Durability reviews favour the mid-range models, which use metal parts where the cheapest ones use plastic.',
        'There is usually a seasonal sale at the end of the month, though prices on the best sellers rarely drop by much.',
        'If you tell me your budget, I can narrow it down to two or three options.',
        'Returns are free within thirty days, so you can try it at home without much risk.',
        'The warranty covers manufacturing defects for two years and can be extended at checkout.',
      ],
      list: [
        'Check the dimensions against the space you have',
        'Compare the warranty length',
        'Read the one-star reviews for recurring problems',
        'Look at the return conditions',
      ],
      slots: { product: PRODUCTS },
    },
    {
      name: 'delivery',
      questions: [
        'How long does delivery usually take to my area?',
        'Can I choose a delivery slot or do I have to wait in all day?',
        'What happens if I am not home when the courier comes?',
        'Do you deliver on Sundays?',
        'Can I change the delivery address after ordering?',
      ],
      answers: [
        'Standard delivery takes two to four working days to most addresses.',
        'Large items come with a two-hour slot that the courier texts you the evening before.',
        'If nobody is home, the courier leaves a card and tries again the next working day, up to three times.',
        'Sunday delivery is available in the larger cities for small parcels only.',
        'The address can be changed until the order is packed, which is usually the same evening.',
        'Once a parcel is with the courier, the tracking page lets you redirect it to a pickup point.',
      ],
    },
    {
      name: 'returns and refunds',
      questions: [
        'How do I return something that arrived damaged?',
        'Do I have to pay for the return shipping?',
        'How long does the refund take once you receive the item?',
        'Can I exchange it for a different size instead of returning it?',
        'I lost the original box, can I still return it?',
      ],
      answers: [
        'Damaged items can be returned free of charge, and we ask for a photo of the damage to speed things up.',
        'Return shipping is free within thirty days for any reason.',
        'Refunds are issued within three working days of the return reaching the warehouse, and the bank may take a few more days.',
        'Exchanges for a different size are handled as a return and a new order, so the new one can ship before the old one arrives.',
        'The original box is not required, as long as the item is packed safely.',
        'The return label can be printed at home or shown as a QR code at the drop-off point.',
      ],
      list: [
        'Start the return from your order history',
        'Choose the reason and add a photo if it is damaged',
        'Print the label or save the QR code',
        'Drop the parcel off within fourteen days',
      ],
    },
    {
      name: 'care and setup',
      questions: [
        'How do I assemble the {product}? The instructions are terrible.',
        'How do I clean the {product} without damaging it?',
        'The {product} makes a strange noise, is that normal?',
        'Is there a way to register the {product} for the warranty?',
      ],
      answers: [
        'Most customers find it easier to assemble with two people, and the video on the product page follows the steps in order.',
        'A damp cloth and mild soap are safe for almost every surface; avoid anything abrasive.',
        'A slight noise in the first days is normal while the parts settle, but a grinding sound is worth reporting.',
        'Registering is optional; the order confirmation is enough proof of purchase for the warranty.',
        'Keep the small bag of spare screws: they are the ones most often missing later.',
      ],
      slots: { product: PRODUCTS },
    },
  ],
  facts: {
    amount: [
      'My budget is {v}, and I would rather not go over it.',
      'I paid {v} for it, so I expect it to last.',
      'The gift card I have is worth {v}.',
    ],
    address: [
      'Deliveries should go to {v}.',
      'We moved, the new address is {v}.',
      'My office is at {v} if a weekday delivery is easier.',
    ],
    phone: ['The courier can call me on {v}.', 'My number is {v}, in case the driver needs it.'],
    email: ['My account email is {v}.', 'Please send the receipt to {v}.'],
    count: [
      'I need {v:chairs} for the office.',
      'We ordered {v:boxes} last time and they were perfect.',
    ],
    date: [
      'I need it before {v}, it is a present.',
      'We are away until {v}, so nobody is home before that.',
      'I ordered it on {v}, if that helps.',
    ],
    name: [
      'The parcel can be left with my neighbour, {v}.',
      'The order might be under {v}, my partner.',
    ],
  },
  decisions: [
    {
      subject: 'the colour',
      value: claimFrom(COLOURS, 'colour'),
      decide: ["I'll take it in {v}.", 'Let us go with {v}.', '{v} please.'],
      confirm: ['{v} is a good pick; it is in stock.', 'Okay, {v}.'],
      revise: [
        'Actually, change the colour to {new}.',
        'On second thought, {new} instead of {old}.',
        'My partner prefers {new}, can we switch?',
      ],
      confirmRevision: ['Switched to {new}.', 'No problem, {new} it is.'],
    },
    {
      subject: 'the delivery option',
      value: claimFrom(DELIVERY, 'delivery option'),
      decide: ["Let's do {v}.", 'I would like {v} for this one.'],
      confirm: ['Okay, {v}.', 'Noted: {v}.'],
      revise: [
        'Actually, make it {new} rather than {old}.',
        'Change it to {new}, I will be out that day.',
        'On second thought, {new}.',
      ],
      confirmRevision: ['Updated to {new}.', 'Okay, {new} then.'],
    },
    {
      subject: 'the payment method',
      value: claimFrom(PAYMENT, 'payment method'),
      decide: ['I will pay with {v}.', 'Put it on {v}.'],
      confirm: ['Okay, {v} at checkout.', 'Noted, {v}.'],
      revise: [
        'Actually, use {new} instead.',
        'Change the payment to {new}, not {old}.',
        'On second thought, {new}.',
      ],
      confirmRevision: ['Changed to {new}.', 'Sure, {new}.'],
    },
    {
      subject: 'the headphones',
      value: claimFrom(HEADPHONES, 'headphones'),
      decide: ["Let's get the {v}.", 'I have decided on the {v}.'],
      confirm: ['The {v} is a great choice.', 'Okay, the {v}.'],
      revise: [
        'Actually, I want the {new} instead.',
        'Scratch the {old}, get me the {new}.',
        'On second thought go with the {new}.',
      ],
      confirmRevision: ['Done, switched to the {new}.', 'The {new} then.'],
    },
  ],
  lookups: [
    {
      tool: 'list_orders',
      asks: [
        'Can you check on my order with the {item}?',
        'Where is the {item} I ordered?',
        'Has the {item} shipped yet?',
      ],
      items: PRODUCTS,
      args: (g) => ({ customerId: g.id('cus_', 12), status: 'all', limit: 20 }),
      record: (g, item) => ({
        orderId: g.artifact('order-id'),
        placedAt: g.date(),
        status: g.rng.pick(['processing', 'shipped', 'delivered', 'out for delivery']),
        total: { amount: g.rng.int(15, 900) + 0.99, currency: 'USD' },
        items: [
          { sku: g.artifact('sku'), name: item, qty: g.rng.int(1, 3) },
          ...Array.from({ length: g.rng.int(0, 2) }, () => ({
            sku: g.artifact('sku'),
            name: g.rng.pick(['batteries', 'gift wrap', 'cleaning kit', 'extension cable']),
            qty: 1,
          })),
        ],
        shipment: {
          carrier: g.rng.pick(['UPS', 'DHL', 'DPD', 'USPS']),
          trackingNumber: g.artifact('tracking-number'),
          eta: g.date(),
          events: Array.from({ length: g.rng.int(1, 4) }, () => ({
            at: g.date(),
            where: g.rng.pick(['Reno NV', 'Memphis TN', 'Leipzig', 'local depot']),
            what: g.rng.pick([
              'picked up',
              'in transit',
              'arrived at facility',
              'out for delivery',
            ]),
          })),
        },
      }),
      envelope: (records, g) => ({
        orders: records,
        total: records.length,
        requestId: g.id('req_'),
      }),
      artifacts: [
        {
          category: 'order-id',
          path: ['orderId'],
          references: [
            'Can you cancel that {item} order?',
            'I want to add a note to the {item} order.',
            'Which order number was the {item} again?',
          ],
        },
        {
          category: 'tracking-number',
          path: ['shipment', 'trackingNumber'],
          references: [
            'Can I track the {item} parcel myself?',
            'The courier app wants the tracking code for the {item}.',
          ],
        },
        {
          category: 'sku',
          path: ['items', 0, 'sku'],
          references: [
            'I want to order exactly the same {item} again for my sister.',
            'What was the product code of that {item}? I want to write a review.',
          ],
        },
      ],
      answers: [
        'I found the order with the {item}.',
        'The {item} left the warehouse and the courier expects to deliver it in the next couple of days.',
        'The order with the {item} is paid and nothing is missing from it.',
      ],
      referenceAnswers: [
        'That is the {item} order I found earlier; its status has not changed.',
        'For the {item} order, everything is still on track.',
        'I can do that for the {item} order.',
      ],
    },
    {
      tool: 'start_return',
      asks: [
        'I want to return the {item}, can you start that?',
        'Please start a return for the {item}.',
      ],
      items: PRODUCTS,
      args: (_g, item) => ({ product: item, reason: 'changed mind' }),
      record: (g, item) => ({
        returnId: g.id('RET-', 8).toUpperCase(),
        product: item,
        label: g.artifact('url'),
        dropOffBy: g.date(),
        refundTo: 'original payment method',
        contact: g.artifact('email'),
      }),
      artifacts: [
        {
          category: 'url',
          path: ['label'],
          references: [
            'Where do I get the return label for the {item}?',
            'Can you resend the label link for the {item} return?',
          ],
        },
        {
          category: 'email',
          path: ['contact'],
          references: ['Who do I email if the {item} return gets stuck?'],
        },
      ],
      answers: [
        'The return for the {item} is started, and you have two weeks to drop it off.',
        'You will get the refund for the {item} within three working days of it reaching the warehouse.',
      ],
      referenceAnswers: [
        'The {item} return is the one I started earlier; the label is in it.',
        'For the {item} return, nothing has changed yet.',
      ],
    },
    {
      tool: 'check_stock',
      asks: ['Is the {item} in stock near me?', 'Do you have the {item} in store anywhere?'],
      items: PRODUCTS,
      args: (_g, item) => ({ product: item, postcode: 'nearby' }),
      record: (g, item) => ({
        product: item,
        stores: Array.from({ length: g.rng.int(2, 8) }, () => ({
          storeId: g.id('st_', 5),
          city: g.rng.pick(['Oakland', 'San Jose', 'Fremont', 'Berkeley', 'Palo Alto']),
          available: g.rng.int(0, 14),
          pickupToday: g.rng.chance(0.5),
        })),
        online: { available: g.rng.chance(0.8), shipsInDays: g.rng.int(1, 6) },
      }),
      artifacts: [],
      answers: [
        'The {item} is available online and in a couple of stores nearby.',
        'Stock of the {item} is low in stores, so online is the safer option.',
      ],
      referenceAnswers: ['Stock for the {item} looked fine when I checked.'],
    },
  ],
  checking: [
    'Let me check your orders.',
    'One moment, I will look that up.',
    "I'll check the warehouse system.",
    'Let me pull up your account.',
  ],
  toolErrors: [
    'order service timeout after 10000 ms',
    '503 Service Unavailable from carrier tracking API',
    'rate limited: retry after 15 s',
    'warehouse inventory feed is stale (last sync 4 h ago)',
  ],
  failureAnswers: [
    'Sorry, the order system did not respond, so I cannot see that right now.',
    'The lookup failed on our side; I will try again in a moment.',
  ],
  openRequests: [
    'Thanks. Can you list all my orders from today with their numbers, tracking and what I decided for each, so I have it in one place?',
    'Okay, please confirm the final order: the product, the colour, the delivery option, the payment method, and send me the links for the returns.',
    'Before I go, what is still pending: returns, refunds, deliveries? Give me the numbers I need for each.',
  ],
};
