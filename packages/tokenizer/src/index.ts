// Loading
export { type LoadTokenizerOptions, loadTokenizerFromFolder, type TokenizerMode } from "./build-tokenizer.js";
// Chat templates
export { applyChatTemplate, type ChatTemplateSource } from "./chat/apply-chat-template.js";
export {
  loadChatTemplate,
  NO_CHAT_TEMPLATE_MESSAGE,
  resolveChatTemplate,
  resolveChatTemplateKwargs,
} from "./chat/chat-template.js";
export type {
  ApplyChatTemplateOptions,
  ChatContentPart,
  ChatMessage,
  ChatTemplateChoice,
  ChatTool,
} from "./chat/chat-types.js";
export {
  type ChatContentFormat,
  type ChatContentFormatOption,
  detectChatContentFormat,
  parseChatMessages,
  resolveChatContentFormat,
} from "./chat/content-format.js";
// Detokenization, stop strings, logprob tokens
export { DecodeStream, InvalidPrefixError } from "./detokenizer/decode-stream.js";
export {
  type DetokenizerParams,
  type DetokenizerUpdate,
  IncrementalDetokenizer,
} from "./detokenizer/incremental-detokenizer.js";
export {
  convertIdsListToTokens,
  correctDecodedToken,
  decodeLogprobToken,
} from "./detokenizer/logprob-token.js";
export { checkStopStrings } from "./detokenizer/stop-strings.js";
export { TokenTextStream } from "./detokenizer/token-text-stream.js";
export { ChatTemplateError, ChatTemplateResolutionError } from "./errors.js";
export { cleanUpTokenization, HfTokenizer } from "./hf-tokenizer.js";
export { loadTokenizer } from "./load-tokenizer.js";
export type { AddedToken } from "./pipeline/added-vocabulary.js";
// The tokenizers pipeline (tokenizer.json semantics)
export { type TokenizerJson, TokenizerPipeline } from "./pipeline/tokenizer-pipeline.js";
export type { DecodeOptions, EncodeOptions, PairEncoding, Tokenizer } from "./tokenizer.js";
export { readTokenizerConfig, type TokenizerConfig, VERY_LARGE_INTEGER } from "./tokenizer-config.js";
