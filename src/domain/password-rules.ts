/** The shortest password the server takes; the admin UI's forms say the same before sending. */
export const MIN_PASSWORD_LENGTH = 10
