import type { ApplyChatTemplateOptions, ChatMessage, ChatTemplateChoice } from "./chat/chat-types.js";
import type { ChatContentFormat, ChatContentFormatOption } from "./chat/content-format.js";

export interface EncodeOptions {
  /** Add the post-processor's special tokens (BOS, CLS/SEP, …). Default true. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens from the text. Default true (vLLM's default). */
  skipSpecialTokens?: boolean;
  /**
   * Put the decoder's separator between adjacent added tokens. Default true. `false` only matters
   * when special tokens are kept, and follows vLLM's fast detokenizer: an added token that follows
   * another added token is emitted as its raw content.
   */
  spacesBetweenSpecialTokens?: boolean;
  /** Apply transformers' `clean_up_tokenization` (" ." → "."); default: the tokenizer config's setting. */
  cleanUpTokenizationSpaces?: boolean;
}

/** The encoding of a text pair (cross-encoders): ids and their token type (segment) ids. */
export interface PairEncoding {
  ids: number[];
  tokenTypeIds: number[];
}

/**
 * Everything between text and token ids for one model: encoding, decoding, special tokens and
 * chat templates, with the behaviour of Hugging Face tokenizers/transformers as vLLM uses them.
 */
export interface Tokenizer {
  /** Number of tokens including added tokens (transformers' `len(tokenizer)`); ids ≥ this are out of vocabulary. */
  readonly vocabSize: number;
  /** The largest id in the vocabulary (including added tokens). */
  readonly maxTokenId: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly padTokenId: number | null;
  readonly unkTokenId: number | null;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  /**
   * transformers' `all_special_ids`: the named special tokens (bos, eos, unk, sep, pad, cls, mask)
   * and the additional/extra special tokens. Added tokens merely flagged special (chat markers) are
   * not in it; decoding with skipSpecialTokens still drops those, by their flag.
   */
  readonly allSpecialIds: readonly number[];
  readonly allSpecialTokens: readonly string[];
  /** `model_max_length` of tokenizer_config.json (1e30, transformers' VERY_LARGE_INTEGER, when unset). */
  readonly modelMaxLength: number;
  /** The default chat template, or null when the tokenizer has none. */
  readonly chatTemplate: string | null;
  /** Named chat templates (`default`, `tool_use`, …); empty when there is a single template. */
  readonly chatTemplates: Readonly<Record<string, string>>;
  readonly truncationSide: "left" | "right";
  readonly paddingSide: "left" | "right";
  /** The Metaspace replacement character ("▁") when the pre-tokenizer is Metaspace, else null. */
  readonly leadingSpaceMarker: string | null;

  encode(text: string, options?: EncodeOptions): number[];
  encodePair(first: string, second: string, options?: EncodeOptions): PairEncoding;
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** Token strings of ids (null for ids outside the vocabulary; special ids dropped when asked). */
  convertIdsToTokens(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): (string | null)[];
  tokenToId(token: string): number | null;
  /** The content of an added token (special or not), or null for ordinary vocabulary ids. */
  addedTokenContent(id: number): string | null;
  isSpecialId(id: number): boolean;
  /**
   * The template `applyChatTemplate` would render: the explicit `chatTemplate` (a named template,
   * a path or a literal; a bad path throws), else the tokenizer's own (`tool_use` when tools are
   * given), or null when there is none.
   */
  findChatTemplate(options?: ChatTemplateChoice): string | null;
  /** vLLM's `chat_template_content_format`: an explicit format, or ("auto") the one the template reads. */
  chatContentFormat(option?: ChatContentFormatOption, options?: ChatTemplateChoice): ChatContentFormat;
  /** Renders a conversation with transformers' `apply_chat_template(tokenize=False)` semantics. */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ApplyChatTemplateOptions): string;
}
