import { applyChatTemplate } from "./chat/apply-chat-template.js";
import { resolveChatTemplate } from "./chat/chat-template.js";
import type { ApplyChatTemplateOptions, ChatMessage, ChatTemplateChoice } from "./chat/chat-types.js";
import {
  type ChatContentFormat,
  type ChatContentFormatOption,
  resolveChatContentFormat,
} from "./chat/content-format.js";
import { TokenTextStream } from "./detokenizer/token-text-stream.js";
import type { TokenizerPipeline } from "./pipeline/tokenizer-pipeline.js";
import type { DecodeOptions, EncodeOptions, PairEncoding, Tokenizer } from "./tokenizer.js";
import { SPECIAL_TOKEN_NAMES, type SpecialTokenName, type TokenizerConfig } from "./tokenizer-config.js";

/** transformers' `clean_up_tokenization`. */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** A Hugging Face tokenizer: a tokenizers pipeline plus what tokenizer_config.json adds. */
export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly maxTokenId: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly padTokenId: number | null;
  readonly unkTokenId: number | null;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly allSpecialIds: readonly number[];
  readonly allSpecialTokens: readonly string[];
  readonly modelMaxLength: number;
  readonly chatTemplate: string | null;
  readonly chatTemplates: Readonly<Record<string, string>>;
  readonly truncationSide: "left" | "right";
  readonly paddingSide: "left" | "right";
  private readonly specialIdSet: Set<number>;
  private readonly templateVariables: Record<string, unknown>;

  constructor(
    readonly pipeline: TokenizerPipeline,
    private readonly config: TokenizerConfig,
    readonly leadingSpaceMarker: string | null,
    /** The tokenizer.json model type: transformers 5 never cleans up BPE output. */
    private readonly modelType: string,
  ) {
    this.vocabSize = pipeline.vocabSize;
    this.maxTokenId = pipeline.maxTokenId;
    const named = (name: SpecialTokenName) => config.named[name]?.content ?? null;
    const idOf = (token: string | null) => (token === null ? null : (pipeline.tokenToId(token) ?? null));
    this.bosToken = named("bos_token");
    this.eosToken = named("eos_token");
    this.bosTokenId = idOf(this.bosToken);
    this.eosTokenId = idOf(this.eosToken);
    this.padTokenId = idOf(named("pad_token"));
    this.unkTokenId = idOf(named("unk_token"));
    const specialTokens = new Set<string>();
    for (const name of SPECIAL_TOKEN_NAMES)
      if (config.named[name]) specialTokens.add(config.named[name].content);
    for (const token of config.extraSpecialTokens) specialTokens.add(token.content);
    this.allSpecialTokens = [...specialTokens];
    this.allSpecialIds = [...new Set(this.allSpecialTokens.map(idOf).filter((id) => id !== null))];
    this.specialIdSet = new Set(this.allSpecialIds);
    this.modelMaxLength = config.modelMaxLength;
    const templates = config.chatTemplate;
    this.chatTemplate = typeof templates === "string" ? templates : (templates?.["default"] ?? null);
    this.chatTemplates = templates !== null && typeof templates === "object" ? { ...templates } : {};
    this.truncationSide = config.truncationSide;
    this.paddingSide = config.paddingSide;
    this.templateVariables = {};
    for (const name of SPECIAL_TOKEN_NAMES)
      if (config.named[name]) this.templateVariables[name] = config.named[name].content;
    if (config.extraSpecialTokens.length > 0) {
      this.templateVariables["additional_special_tokens"] = config.extraSpecialTokens.map((t) => t.content);
    }
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.pipeline.encode(text, null, options.addSpecialTokens ?? true).ids;
  }

  encodePair(first: string, second: string, options: EncodeOptions = {}): PairEncoding {
    // transformers encodes `text_pair` only when it is truthy: an empty second text is no pair.
    const { ids, typeIds } = this.pipeline.encode(
      first,
      second === "" ? null : second,
      options.addSpecialTokens ?? true,
    );
    return { ids, tokenTypeIds: typeIds };
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? true;
    let text: string;
    if (!skip && options.spacesBetweenSpecialTokens === false) {
      const stream = new TokenTextStream(this, [], false, false);
      text = ids.map((id) => stream.next(id)).join("");
    } else {
      text = this.pipeline.decode(ids, skip);
    }
    const cleanUp = options.cleanUpTokenizationSpaces ?? this.config.cleanUpTokenizationSpaces;
    // transformers 5 refuses the cleanup for BPE models unless explicitly forced in the config.
    if (cleanUp && (this.modelType !== "BPE" || this.config.cleanUpForBpe)) text = cleanUpTokenization(text);
    return text;
  }

  convertIdsToTokens(
    ids: readonly number[],
    options: { skipSpecialTokens?: boolean } = {},
  ): (string | null)[] {
    const out: (string | null)[] = [];
    for (const id of ids) {
      if (options.skipSpecialTokens && this.specialIdSet.has(id)) continue;
      out.push(this.pipeline.idToToken(id) ?? null);
    }
    return out;
  }

  tokenToId(token: string): number | null {
    return this.pipeline.tokenToId(token) ?? null;
  }

  addedTokenContent(id: number): string | null {
    return this.pipeline.addedVocabulary.token(id)?.content ?? null;
  }

  isSpecialId(id: number): boolean {
    return this.specialIdSet.has(id);
  }

  findChatTemplate(options: ChatTemplateChoice = {}): string | null {
    const tools = options.tools ?? null;
    if (options.chatTemplate !== null && options.chatTemplate !== undefined)
      return resolveChatTemplate(this.config.chatTemplate, options.chatTemplate, tools !== null);
    try {
      return resolveChatTemplate(this.config.chatTemplate, null, tools !== null);
    } catch {
      return null;
    }
  }

  chatContentFormat(
    option: ChatContentFormatOption = "auto",
    options: ChatTemplateChoice = {},
  ): ChatContentFormat {
    if (option !== "auto") return resolveChatContentFormat(null, option);
    return resolveChatContentFormat(this.findChatTemplate(options), option);
  }

  applyChatTemplate(messages: readonly ChatMessage[], options: ApplyChatTemplateOptions = {}): string {
    return applyChatTemplate(
      { templates: this.config.chatTemplate, specialTokens: this.templateVariables },
      messages,
      options,
    );
  }
}
