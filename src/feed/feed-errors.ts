/** The study a subscription follows was deleted (or replaced by a new study of that name). */
export class StudyGoneError extends Error {
  override readonly name = "StudyGoneError";
  constructor(study: string) {
    super(`study "${study}" was deleted`);
  }
}
