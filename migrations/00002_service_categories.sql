-- +goose Up
-- Service categories: what a funding stream may be earmarked for and what a
-- contract product buys. Owned by the contracts capability; created here
-- because pooling's earmarks refer to them too.
CREATE TABLE service_categories (
    code             text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name_nl          text NOT NULL,
    name_en          text NOT NULL,
    name_de          text NOT NULL,
    outcome_domains  text[] NOT NULL CHECK (outcome_domains <@ ARRAY['intake', 'language', 'social', 'labour', 'participation']::text[]),
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now()
);

INSERT INTO service_categories (code, name_nl, name_en, name_de, outcome_domains) VALUES
    ('language',          'Taal (NT2)',                    'Language (Dutch as a second language)', 'Sprache (Niederländisch als Zweitsprache)', ARRAY['intake', 'language', 'participation']),
    ('civic_integration', 'Inburgering (KNM/ONA)',         'Civic integration (KNM/ONA)',           'Einbürgerung (KNM/ONA)',                   ARRAY['intake', 'language', 'social', 'participation']),
    ('social_guidance',   'Maatschappelijke begeleiding',  'Social guidance',                       'Soziale Begleitung',                       ARRAY['intake', 'social', 'participation']),
    ('reintegration',     'Re-integratie',                 'Reintegration',                         'Wiedereingliederung',                      ARRAY['intake', 'labour', 'participation']),
    ('dual_trajectory',   'Duaal traject',                 'Dual trajectory',                       'Duale Maßnahme',                           ARRAY['intake', 'language', 'labour', 'participation']),
    ('care',              'Zorg (o.a. verslavingszorg)',   'Care (e.g. addiction care)',            'Betreuung (z. B. Suchthilfe)',             ARRAY['intake', 'social', 'participation']);

-- +goose Down
DROP TABLE service_categories;
