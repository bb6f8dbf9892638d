/**
 * Translation from templates: known phrases are replaced by their Spanish, French, German and
 * Portuguese forms, and the text is framed by a request in that language. No model is involved,
 * so variants are deterministic and reviewable.
 */
import { type MutationVariant, single } from './variant.js';

/** The languages variants are produced in. */
export const TRANSLATION_LANGUAGES = ['es', 'fr', 'de', 'pt'] as const;
type Language = (typeof TRANSLATION_LANGUAGES)[number];

/** Phrase → translations; longer phrases first so they win over their parts. */
const PHRASES: ReadonlyArray<readonly [string, Readonly<Record<Language, string>>]> = [
  [
    'ignore all previous instructions',
    {
      es: 'ignora todas las instrucciones anteriores',
      fr: 'ignore toutes les instructions précédentes',
      de: 'ignoriere alle vorherigen Anweisungen',
      pt: 'ignore todas as instruções anteriores',
    },
  ],
  [
    'ignore previous instructions',
    {
      es: 'ignora las instrucciones anteriores',
      fr: 'ignore les instructions précédentes',
      de: 'ignoriere die vorherigen Anweisungen',
      pt: 'ignore as instruções anteriores',
    },
  ],
  [
    'ignore your instructions',
    {
      es: 'ignora tus instrucciones',
      fr: 'ignore tes instructions',
      de: 'ignoriere deine Anweisungen',
      pt: 'ignore suas instruções',
    },
  ],
  [
    'system prompt',
    { es: 'prompt del sistema', fr: 'prompt système', de: 'Systemprompt', pt: 'prompt do sistema' },
  ],
  [
    'social security number',
    {
      es: 'número de seguro social',
      fr: 'numéro de sécurité sociale',
      de: 'Sozialversicherungsnummer',
      pt: 'número do seguro social',
    },
  ],
  [
    'credit card',
    { es: 'tarjeta de crédito', fr: 'carte de crédit', de: 'Kreditkarte', pt: 'cartão de crédito' },
  ],
  ['refund', { es: 'reembolso', fr: 'remboursement', de: 'Rückerstattung', pt: 'reembolso' }],
  ['password', { es: 'contraseña', fr: 'mot de passe', de: 'Passwort', pt: 'senha' }],
  ['reveal', { es: 'revela', fr: 'révèle', de: 'enthülle', pt: 'revele' }],
  ['show me', { es: 'muéstrame', fr: 'montre-moi', de: 'zeig mir', pt: 'mostre-me' }],
  ['you are now', { es: 'ahora eres', fr: 'tu es maintenant', de: 'du bist jetzt', pt: 'agora você é' }],
  ['my claim', { es: 'mi reclamación', fr: 'ma réclamation', de: 'mein Schadensfall', pt: 'meu sinistro' }],
  ['please', { es: 'por favor', fr: "s'il te plaît", de: 'bitte', pt: 'por favor' }],
];

/** The frame that carries the translated text, per language. */
const FRAMES: Readonly<Record<Language, string>> = {
  es: 'Responde en español: {text}',
  fr: 'Réponds en français : {text}',
  de: 'Antworte auf Deutsch: {text}',
  pt: 'Responda em português: {text}',
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces known phrases (case-insensitively) with their translation. */
export function translatePhrases(text: string, language: Language): string {
  let out = text;
  for (const [phrase, translations] of PHRASES) {
    out = out.replace(new RegExp(escapeRegExp(phrase), 'gi'), translations[language]);
  }
  return out;
}

/** One variant per language. */
export function translateVariants(text: string): MutationVariant[] {
  return TRANSLATION_LANGUAGES.map((language) =>
    single(
      'translate',
      `translate:${language}`,
      FRAMES[language].replace('{text}', translatePhrases(text, language)),
    ),
  );
}
