/**
 * Phrase families for prompt-injection and jailbreak detection (facts from public injection datasets
 * and write-ups: deepset/prompt-injections, Lakera Gandalf, the DAN prompts, Greshake et al. on
 * indirect injection). English families run on the folded view, so they are written in plain English
 * and folded (`l` → `i`) at compile time; multilingual families run on the plain view.
 * Every pattern is linear: filler words are `(?:[a-z0-9]+ ){0,n}`, one word per iteration.
 */
import { foldPhrase } from './normalize.js';

/** One family of phrases with the weight a match contributes. */
export interface PhraseFamily {
  id: string;
  weight: number;
  re: RegExp;
  /** `glued`: the folded view of letter-spaced text closed up, where words may run together. */
  view: 'folded' | 'plain' | 'glued';
}

const W = (n: number): string => `(?:[a-z0-9]+ ){0,${n}}`;
const fam = (id: string, weight: number, source: string): PhraseFamily => ({
  id,
  weight,
  re: new RegExp(foldPhrase(source), 'g'),
  view: 'folded',
});
const plain = (id: string, weight: number, source: string): PhraseFamily => ({
  id,
  weight,
  // Patterns see the same decomposed, mark-free text as the plain view (й → и, é → e).
  re: new RegExp(source.normalize('NFKD').replace(/\p{M}/gu, ''), 'gu'),
  view: 'plain',
});

const VERB =
  '(?:ignore|ignoring|disregard|disregarding|forget|forgetting|bypass|override|overriding|dismiss|neglect|abandon|skip|stop following|do not follow|do not obey|don t obey|dont obey|don t follow|dont follow|no longer follow|set aside|throw out|scrap)';
const QUAL =
  '(?:previous|prior|above|earlier|preceding|former|initial|original|old|system|existing|foregoing|your|developer|default|safety|all of the|all the|all your)';
const WEAK_QUAL = '(?:all|any|every|these|those|the|my)';
const NOUN =
  '(?:instruction|instructions|prompt|prompts|rule|rules|direction|directions|guideline|guidelines|command|commands|context|directive|directives|constraint|constraints|restriction|restrictions|programming|guidance|policy|policies|training|orders|filters?|safeguards?|guardrails?|content policy|everything|what you were told|what i said)';

/** The built-in phrase families. */
export const PHRASE_FAMILIES: readonly PhraseFamily[] = [
  fam('override', 0.9, `\\b${VERB} ${W(2)}${QUAL} ${W(3)}${NOUN}\\b`),
  fam('override', 0.45, `\\b${VERB} ${WEAK_QUAL} ${W(2)}${NOUN}\\b`),
  fam(
    'override',
    0.85,
    `\\b${VERB} (?:everything|all) ${W(1)}(?:above|before|so far|said|previously|you were told|you have been told)\\b`,
  ),
  fam(
    'override',
    0.7,
    `\\b(?:new|updated|real|actual|true|revised|overriding) (?:system )?(?:instructions|instruction|rules|orders|directive|directives) (?:are|follow|below|begin|apply|the previous|from now)\\b`,
  ),
  fam(
    'override',
    0.8,
    `\\b(?:new system prompt|your new (?:task|role|goal|instructions|objective|purpose) is)\\b`,
  ),
  fam(
    'override',
    0.85,
    `\\b(?:previous|prior|above|earlier|old|original) (?:instructions|rules|directives|prompt) (?:are|is|have been|were) (?:now )?(?:cancelled|canceled|void|revoked|obsolete|overridden|no longer valid|replaced)\\b`,
  ),
  fam(
    'override',
    0.75,
    `\\binstead ${W(3)}(?:you will|you must|you should|do the following|follow these)\\b`,
  ),
  fam(
    'persona',
    0.6,
    `\\b(?:you must|you will|you shall) (?:now )?(?:obey|comply with|do whatever) (?:me|the user|my|everything|anything)\\b`,
  ),
  fam(
    'persona',
    0.45,
    `\\b(?:you are now|from now on you (?:are|will|must|shall|act)|from now on act|henceforth you|you will now act|you re now|you have been (?:freed|liberated|unchained))\\b`,
  ),
  fam(
    'persona',
    0.35,
    `\\b(?:pretend (?:to be|you are|that you are|you re)|roleplay as|role play as|act as if you (?:are|were|have no)|imagine you are an? (?:ai|assistant|model|chatbot) (?:with|without|that))\\b`,
  ),
  fam(
    'jailbreak',
    0.95,
    `\\b(?:do anything now|developer mode (?:enabled|output|activated)|enable developer mode|dan mode|stay in character|jailbreak mode|jailbroken|god mode enabled|unrestricted mode|evil confidant|anti dan|stan mode|dude mode|opposite mode|always intelligent and machiavellian)\\b`,
  ),
  fam(
    'jailbreak',
    0.9,
    `\\b(?:you are|act as|you will be|become|i want you to be) (?:dan|aim|stan|dude|an unfiltered|an uncensored|an unrestricted|a jailbroken)\\b`,
  ),
  fam(
    'jailbreak',
    0.6,
    `\\b(?:without|with no|free of|free from|no) (?:any )?(?:ethical |moral |safety |content )?(?:restrictions|limitations|filters|filtering|censorship|guidelines|boundaries|rules) ${W(2)}(?:respond|answer|reply|output|you can|you will|act|generate)\\b`,
  ),
  fam(
    'jailbreak',
    0.5,
    `\\b(?:has no|have no|without any|ignore all) (?:ethical|moral) (?:guidelines|constraints|principles|boundaries|considerations)\\b`,
  ),
  fam(
    'exfiltrate',
    0.85,
    `\\b(?:reveal|show|print|output|repeat|display|tell|give|leak|disclose|share|write|spell|dump|return|copy|recite|list|translate|summarize|summarise|paraphrase|encode|rewrite) ${W(3)}(?:system prompt|initial prompt|hidden prompt|original prompt|secret prompt|pre prompt|preprompt|system message|system instructions|initial instructions|hidden instructions|secret instructions|original instructions|instructions you were given|prompt above|text above|words above|instructions above|everything above|your instructions|your prompt|your rules|your guidelines|the password|secret password|secret key)\\b`,
  ),
  fam(
    'exfiltrate',
    0.7,
    `\\bwhat (?:is|are|was|were) (?:your|the) (?:exact |full |original |initial |hidden |secret )?(?:system prompt|instructions you were given|initial instructions|hidden instructions|secret instructions|secret password|password)\\b`,
  ),
  fam('exfiltrate', 0.8, `\\brepeat (?:the |all )?(?:words|text|everything) (?:above|before)\\b`),
  fam(
    'safety',
    0.75,
    `\\b(?:bypass|disable|turn off|deactivate|circumvent|evade|remove|switch off|get around) ${W(1)}(?:your |the |all |any )?(?:safety|content|ethical|moderation|security)? ?(?:filters?|guardrails?|restrictions|safeguards|moderation|censorship|protections|safety|alignment)\\b`,
  ),
  fam(
    'indirect',
    0.8,
    `\\b(?:note|message|instructions|instruction|attention|notice|important) (?:to|for) (?:the |any )?(?:ai|assistant|llm|chatbot|language model|model|agent|gpt|claude|copilot|bot)\\b`,
  ),
  fam(
    'indirect',
    0.75,
    `\\b(?:if|when|whenever) (?:you are |you re )?(?:an? )?(?:ai|assistant|llm|language model|agent|chatbot|model) ${W(2)}(?:reading|processing|summarizing|summarising|reviewing|analyzing|parsing|sees|reads)\\b`,
  ),
  fam(
    'indirect',
    0.7,
    `\\b(?:ai|assistant|llm|agent|model|chatbot)s? (?:reading|processing|summarizing|summarising|analyzing) this (?:document|page|email|text|message|file|website)\\b`,
  ),
  fam(
    'indirect',
    0.6,
    `\\b(?:system override|maintenance mode|debug mode enabled|sudo mode|root access granted|priority instruction|end of (?:user )?(?:input|document|context|prompt) (?:new|begin|start))\\b`,
  ),
  fam('indirect', 0.45, `\\badmin override\\b`),
  fam('persona', 0.6, `\\byou are no longer (?:a|an|the|my|bound|restricted|limited)\\b`),
  fam(
    'jailbreak',
    0.5,
    `\\b(?:never refuse|do not refuse|don t refuse|must not refuse|cannot refuse|an unrestricted (?:ai|assistant|model|chatbot))\\b`,
  ),
  fam(
    'jailbreak',
    0.8,
    `\\byou are (?:now )?(?:free|freed|released|liberated) (?:from|of) (?:all |any |your )?(?:restrictions|rules|limitations|guidelines|constraints|filters)\\b`,
  ),
  fam(
    'exfiltrate',
    0.8,
    `\\b(?:contents?|text|copy|wording) of (?:your|the) (?:system prompt|instructions|prompt|hidden instructions|initial instructions)\\b`,
  ),
  fam(
    'action',
    0.5,
    `\\b(?:send|forward|email|post|upload|transfer|exfiltrate|leak) ${W(2)}(?:all |the |this |every |any )?(?:conversation|chat history|data|credentials|passwords|api keys|tokens|secrets|files|emails|contacts|user data|personal data|history) ${W(2)}to (?:this|the following|my|an? external|https?|attacker|www)\\b`,
  ),
  fam(
    'action',
    0.45,
    `\\b(?:execute|run|eval) (?:the following|this|these) (?:command|commands|code|script|shell)\\b`,
  ),
  fam(
    'manipulation',
    0.3,
    `\\b(?:this is (?:just )?(?:a test|hypothetical|for research|for educational purposes)|for educational purposes only|purely hypothetical|in a fictional world where|grandma used to|my grandmother used to|i am your (?:developer|creator|admin|administrator|owner))\\b`,
  ),
  plain(
    'override-de',
    0.9,
    `(?<!\\p{L})(?:ignoriere|ignorieren sie|vergiss|vergessen sie|missachte) (?:\\p{L}+ ){0,3}(?:vorherigen|bisherigen|obigen|vorigen|alle|alten|deine|ihre) (?:\\p{L}+ ){0,2}(?:anweisungen|befehle|instruktionen|regeln|vorgaben)`,
  ),
  plain(
    'override-fr',
    0.9,
    `(?<!\\p{L})(?:ignore|ignorez|oublie|oubliez|ne tiens pas compte)(?: de)? (?:\\p{L}+ ){0,3}(?:instructions|consignes|regles|directives)(?: (?:precedentes|anterieures|ci dessus|initiales))?`,
  ),
  plain(
    'override-es',
    0.9,
    `(?<!\\p{L})(?:ignora|ignore|olvida|olvide|omite|descarta) (?:\\p{L}+ ){0,3}(?:instrucciones|indicaciones|reglas|ordenes)(?: (?:anteriores|previas|de arriba|iniciales))?`,
  ),
  plain(
    'override-it',
    0.9,
    `(?<!\\p{L})(?:ignora|dimentica|dimenticate|ignorate) (?:\\p{L}+ ){0,3}(?:istruzioni|regole|indicazioni)`,
  ),
  plain(
    'override-pt',
    0.9,
    `(?<!\\p{L})(?:ignore|ignora|esqueca|esqueça|desconsidere) (?:\\p{L}+ ){0,3}(?:instrucoes|instruções|regras|orientacoes)(?: (?:anteriores|previas|acima))?`,
  ),
  plain(
    'override-nl',
    0.9,
    `(?<!\\p{L})(?:negeer|vergeet) (?:\\p{L}+ ){0,3}(?:instructies|regels|opdrachten)`,
  ),
  plain(
    'override-ru',
    0.9,
    `(?<!\\p{L})(?:игнорируй|игнорируйте|забудь|забудьте|проигнорируй) (?:\\p{L}+ ){0,3}(?:инструкции|указания|правила|команды)`,
  ),
  plain(
    'override-zh',
    0.9,
    `(?:忽略|忽视|无视|忘记|忘掉|不要理会) ?(?:之前|以上|先前|上面|前面|所有|一切)?(?:的)? ?(?:所有)?(?:的)? ?(?:指令|指示|说明|提示|规则|命令)`,
  ),
  plain(
    'override-ja',
    0.9,
    `(?:以前|前|上記|これまで|すべて)の ?(?:指示|命令|ルール|指令) ?(?:を)? ?(?:無視|忘れ)`,
  ),
  plain('override-ko', 0.9, `(?:이전|위의|모든) ?(?:지시|지침|명령|규칙)(?:를|을|사항을)? ?(?:무시|잊어)`),
  plain(
    'exfiltrate-ml',
    0.85,
    `(?<!\\p{L})(?:zeige|gib|verrate|montre|revele|révèle|muestra|revela|mostra|покажи) (?:\\p{L}+ ){0,3}(?:systemprompt|system prompt|prompt systeme|prompt del sistema|prompt di sistema|системный промпт)`,
  ),
];

const glued = (id: string, weight: number, source: string): PhraseFamily => ({
  id,
  weight,
  re: new RegExp(foldPhrase(source), 'g'),
  view: 'glued',
});

/**
 * Phrases whose words ran together when letter-spaced text used one separator for letters and words
 * alike ("i g n o r e a l l p r e v i o u s …" closes up to one token). Read only on closed-up views;
 * bounded literal alternations, so linear.
 */
export const GLUED_FAMILIES: readonly PhraseFamily[] = [
  glued(
    'override-glued',
    0.85,
    '(?:ignore|disregard|forget|bypass|override)(?:all|any|every)?(?:the|your|my)?(?:previous|prior|above|earlier|preceding|system|original|initial|safety|developer)?(?:instructions?|rules|prompts?|guidelines|directions|directives|commands|restrictions)',
  ),
  glued(
    'exfiltrate-glued',
    0.85,
    '(?:reveal|show|print|repeat|output|display|tell|give|leak)(?:me)?(?:your|the)(?:system|initial|hidden|original|secret)(?:prompt|instructions|message)',
  ),
];

/** Structural markers of chat templates and fake system turns, matched on the raw lower-cased text. */
export const STRUCTURAL_MARKERS: readonly string[] = [
  '<|im_start|>',
  '<|im_end|>',
  '<|system|>',
  '<|endoftext|>',
  '[inst]',
  '<<sys>>',
  '### system:',
  '### instruction:',
  '</system>',
  '<system>',
  '[system]',
  'begin system prompt',
  '<|assistant|>',
  '{{#system~}}',
];
