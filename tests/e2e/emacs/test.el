;;; test.el --- real-editor test of editors/emacs/goescape.el  -*- lexical-binding: t -*-
;;
;;   emacs -nw -q -l tests/e2e/emacs/test.el      (in a terminal: lib/in-tmux.sh)
;;   emacs --batch -q -l tests/e2e/emacs/test.el  (an eglot without inlay hints)
;;
;; env: GOESCAPE_BIN, E2E_EXPECT (resolved expectations, see lib/expect.py),
;;      E2E_PLUGIN (editors/emacs), E2E_RESULT (file for the PASS/FAIL lines),
;;      E2E_WAIT_MS (per-step limit, default 60000), E2E_TMUX (tmux socket and pane)
;; Emacs with `eglot-inlay-hints-mode' (30 + eglot 1.17), in a terminal: flymake diagnostics
;; (range and message), hover (cause and a flow step), inlay hints drawn by the normal
;; display path (redisplay runs jit-lock, which asks eglot for the hints; the overlays and
;; the terminal's screen are checked), goescape-toggle, goescape-analyze, a save that
;; re-analyzes, a live setting change, and that only the settings the user changed are sent
;; (initializationOptions, didChangeConfiguration, workspace/configuration answers).
;; Emacs 28 + eglot 1.9, in batch: the same without inlay hints and the quick fix.

(load (expand-file-name "lib.el" (file-name-directory load-file-name)) nil t)
(add-to-list 'load-path (getenv "E2E_PLUGIN"))
;; loading goescape.el changes nothing: the user turns it on with goescape-register
(let ((before (list eglot-server-programs eglot-managed-mode-hook eglot-connect-hook
                    (default-value 'eglot-workspace-configuration))))
  (require 'goescape)
  (e2e-check (equal before (list eglot-server-programs eglot-managed-mode-hook eglot-connect-hook
                                 (default-value 'eglot-workspace-configuration)))
             "loading goescape.el leaves eglot-server-programs, eglot's hooks and settings as they were"))
;; goescape.el uses eglot's public functions only, so it keeps working across eglot releases
(e2e-check (not (with-temp-buffer
                  (insert-file-contents (expand-file-name "goescape.el" (getenv "E2E_PLUGIN")))
                  (re-search-forward "eglot--" nil t)))
           "goescape.el names no eglot-- internals")
(setq goescape-gopls (let ((g (getenv "E2E_GOPLS"))) (and g (not (equal g "")) g)))
;; the one server setting the user changed: it alone goes to the server
(setq goescape-debounce-ms 200)
(goescape-register)

(defvar E (let ((json-object-type 'plist) (json-array-type 'list) (json-key-type 'keyword))
            (json-read-file (getenv "E2E_EXPECT"))))

(defun e2e-linecol (pos)
  "POS as (LINE0 . COLUMN), the column in characters."
  (save-excursion
    (goto-char pos)
    (cons (1- (line-number-at-pos)) (- pos (line-beginning-position)))))

(defun e2e-diags ()
  "goescape diagnostics as (START END CATEGORY MESSAGE), START and END (LINE0 . COLUMN)."
  (cl-loop for d in (flymake-diagnostics)
           for data = (flymake-diagnostic-data d)
           for lsp = (and (listp data) (cdr (assoc 'eglot-lsp-diag data)))
           when (equal (plist-get lsp :source) "goescape")
           collect (list (e2e-linecol (flymake-diagnostic-beg d))
                         (e2e-linecol (flymake-diagnostic-end d))
                         (plist-get lsp :code)
                         (plist-get lsp :message))))

(defun e2e-pt (p)
  "An expected position P as (LINE0 . COLUMN)."
  (cons (plist-get p :line) (plist-get p :cp)))

(defun e2e-has-diag (e)
  "Whether the diagnostic E is shown: its range (start and end), category and message."
  (cl-some (lambda (d) (and (equal (nth 0 d) (e2e-pt (plist-get e :start)))
                            (equal (nth 1 d) (e2e-pt (plist-get e :end)))
                            (equal (nth 2 d) (plist-get e :category))
                            (equal (nth 3 d) (plist-get e :message))))
           (e2e-diags)))

(defun e2e-diag-text (e)
  (format "flymake diagnostic %d:%d-%d:%d [%s] %S"
          (plist-get (plist-get e :start) :line) (plist-get (plist-get e :start) :cp)
          (plist-get (plist-get e :end) :line) (plist-get (plist-get e :end) :cp)
          (plist-get e :category) (plist-get e :message)))

(defun e2e-all-expected ()
  (cl-every #'e2e-has-diag (plist-get E :diagnostics)))

(defun e2e-hints ()
  "Inlay hint overlays as ((LINE0 . COLUMN) . TEXT), at the place the text is drawn."
  (cl-loop for o in (overlays-in (point-min) (point-max))
           for before = (overlay-get o 'before-string)
           when (overlay-get o 'eglot--inlay-hint)
           collect (cons (e2e-linecol (if before (overlay-start o) (overlay-end o)))
                         (substring-no-properties (or before (overlay-get o 'after-string) "")))))

(defun e2e-screen ()
  "The terminal's rows, as tmux shows them."
  (let ((tm (getenv "E2E_TMUX")))
    (when tm
      (split-string (with-output-to-string
                      (call-process "tmux" nil standard-output nil "-S" (car (split-string tm))
                                    "capture-pane" "-p" "-t" (cadr (split-string tm))))
                    "\n"))))

(defun e2e-screen-row (line)
  "The screen row that shows LINE0 of the selected window."
  (let ((top (cadr (window-body-edges)))
        (first (1- (line-number-at-pos (window-start)))))
    (or (nth (+ top (- line first)) (e2e-screen)) "")))

(defun e2e-hint-screen-text (e)
  "What the row of E's hint must show: the line up to the hint, then the label."
  (let* ((p (plist-get (plist-get e :hint) :pos))
         (line (save-excursion (goto-char (point-min)) (forward-line (plist-get p :line))
                               (buffer-substring-no-properties (point) (line-end-position)))))
    (concat (string-trim-left (substring line 0 (plist-get p :cp)))
            " " (plist-get (plist-get e :hint) :label))))

(defun e2e-hint-drawn (e)
  "Whether E's hint is drawn: an overlay at its place with its label, and on the screen."
  (let* ((h (plist-get e :hint))
         ;; eglot may paint one hint as several overlays at its place (one per word)
         (text (mapconcat #'cdr (cl-remove-if-not (lambda (o) (equal (car o) (e2e-pt (plist-get h :pos))))
                                                  (e2e-hints))
                          " ")))
    (and (cl-every (lambda (w) (string-search w text)) (split-string (plist-get h :label)))
         (string-search (e2e-hint-screen-text e)
                        (e2e-screen-row (plist-get (plist-get h :pos) :line))))))

(defun e2e-no-hint-drawn (want)
  (and (null (e2e-hints))
       (not (cl-some (lambda (e) (string-search (e2e-hint-screen-text e)
                                                (e2e-screen-row (plist-get e :line))))
                     want))))

(defun e2e-hover-ok (text)
  "Whether TEXT names the hover's cause and one of the compiler's flow steps."
  (let ((h (plist-get E :hover)))
    (and (stringp text)
         (string-search (plist-get h :cause) text)
         (cl-some (lambda (s) (and (string-search (plist-get s :text) text)
                                   (string-search (plist-get s :ref) text)))
                  (plist-get h :flow)))))

(defun e2e-pos (line character)
  (save-excursion
    (goto-char (point-min)) (forward-line line) (forward-char character) (point)))

(defvar e2e-jit-hint-calls 0
  "How often jit-lock asked eglot for inlay hints (`eglot--update-hints').")
(advice-add 'eglot--update-hints :before
            (lambda (&rest _) (cl-incf e2e-jit-hint-calls)))

(defun e2e-run ()
  (e2e-log "emacs %s, eglot %s, eglot-inlay-hints-mode: %s" emacs-version
           (let ((d (cadr (assq 'eglot package-alist)))
                 (b (cdr (assq 'eglot package--builtin-versions))))
             (cond (d (package-version-join (package-desc-version d)))
                   (b (concat (package-version-join b) " (built-in)"))
                   (t "unknown")))
           (fboundp 'eglot-inlay-hints-mode))
  ;; Emacs 30 names the binary as a user does who has no goescape on `exec-path'
  ;; (goescape-server-path); Emacs 28 through the command.
  (if (>= emacs-major-version 30)
      (progn
        (e2e-check (not (executable-find "goescape")) "no goescape on exec-path")
        (setq goescape-server-path (getenv "GOESCAPE_BIN")))
    (setq goescape-server-command (list (getenv "GOESCAPE_BIN"))))
  (setq eglot-sync-connect e2e-wait)
  (find-file (plist-get E :file))
  (e2e-log "major mode: %s" major-mode)
  ;; eglot-ensure waits for post-command-hook, which never runs in batch: start directly.
  (let ((contact (eglot--guess-contact)))
    (e2e-check (eq (nth 2 contact) 'eglot-goescape) (format "eglot-server-programs gives goescape for %s (class %s)" major-mode (nth 2 contact)))
    (apply #'eglot contact)
    ;; eglot 1.9 stops waiting at the server's first output (a log line on stderr)
    (e2e-wait #'eglot-current-server 60))
  (let ((server (eglot-current-server)))
    (unless (e2e-check (cl-typep server 'eglot-goescape) "an eglot-goescape server manages the buffer")
      (e2e-finish 1))
    (e2e-check (equal (file-name-as-directory (expand-file-name (project-root (eglot--project server))))
                      (file-name-as-directory (plist-get E :module)))
               (format "project root is the module: %s" (project-root (eglot--project server)))))
  ;; goescape.el sends only what the user changed: the server's defaults stand for the rest
  (e2e-check (equal (e2e-sent-keys 'initialize) '(("debounceMs")))
             (format "initializationOptions carry only debounceMs: %S" (e2e-sent-keys 'initialize)))
  (flymake-mode 1)
  (flymake-start)

  ;; 1. flymake diagnostics: every expected range and message
  (e2e-wait #'e2e-all-expected)
  (e2e-log "diagnostics:")
  (dolist (d (e2e-diags))
    (e2e-log "  diag %d:%d-%d:%d [%s] %s" (car (nth 0 d)) (cdr (nth 0 d)) (car (nth 1 d)) (cdr (nth 1 d))
             (nth 2 d) (nth 3 d)))
  (dolist (e (plist-get E :diagnostics))
    (e2e-check (e2e-has-diag e) (e2e-diag-text e)))
  (unless (e2e-all-expected) (e2e-finish 1))
  ;; goescape-analyze names the buffer's document by its URI (eglot 1.9 has no public
  ;; eglot-path-to-uri); the server answers once the package is analyzed again
  (e2e-check (condition-case err (progn (goescape-analyze) t)
               (error (e2e-log "goescape-analyze: %S" err) nil))
             "goescape-analyze re-analyzes the buffer's package")

  ;; 2. hover: textDocument/hover through eglot's connection, and eldoc where eglot has it
  (let* ((h (plist-get E :hover))
         (start (plist-get h :start))
         (want (format "the cause %S and a flow step" (plist-get h :cause))))
    (goto-char (e2e-pos (plist-get start :line) (plist-get start :cp)))
    (let* ((resp (jsonrpc-request (eglot-current-server) :textDocument/hover
                                  (eglot--TextDocumentPositionParams)))
           (contents (plist-get resp :contents))
           (text (if (stringp contents) contents (or (plist-get contents :value) (format "%S" contents)))))
      (e2e-log "hover: %s" (replace-regexp-in-string "\n" " | " (truncate-string-to-width (or text "") 400)))
      (e2e-check (e2e-hover-ok text) (format "hover at line %d has %s" (1+ (plist-get h :line)) want)))
    (when (fboundp 'eglot-hover-eldoc-function)
      (let (doc)
        (eglot-hover-eldoc-function (lambda (d &rest _) (setq doc (or d "")) t))
        (e2e-wait (lambda () doc) 10)
        (e2e-log "eldoc: %s" (replace-regexp-in-string "\n" " | " (truncate-string-to-width (format "%s" doc) 400)))
        (e2e-check (e2e-hover-ok doc) (format "eldoc (eglot-hover-eldoc-function) has %s" want))))
    (goto-char (point-min)))

  ;; 2b. companion mode (E2E_GOPLS): gopls's completion and definitions in the same
  ;; buffer, beside goescape's diagnostics and hover checked above
  (when goescape-gopls
    (e2e-check (member (concat "--gopls=" goescape-gopls) (process-command (jsonrpc--process (eglot-current-server))))
               "eglot started goescape in companion mode")
    (let* ((start (plist-get (plist-get E :hover) :start))
           (text (progn (goto-char (e2e-pos (plist-get start :line) (plist-get start :cp)))
                        (e2e-wait (lambda ()
                                    (let* ((resp (jsonrpc-request (eglot-current-server) :textDocument/hover
                                                                  (eglot--TextDocumentPositionParams)))
                                           (v (plist-get (plist-get resp :contents) :value)))
                                      (and v (string-match-p "\n---\n" v) v)))
                                  30))))
      (e2e-check (and text (e2e-hover-ok text)) "hover has gopls's part, a rule and goescape's part"))
    (goto-char (point-max))
    (let ((start (point)))
      (insert "\nvar e2eCompanionA = len(\"\")\nvar e2eCompanionB = le")
      (let* ((capf (e2e-wait (lambda () (eglot-completion-at-point)) 20))
             (cands (and capf (all-completions "le" (nth 2 capf)))))
        (e2e-log "completion at \"le\": %S" (seq-take cands 10))
        (e2e-check (member "len" cands) "gopls completes \"le\" with len"))
      (search-backward "len(")
      (let* ((defs (xref-backend-definitions 'eglot (xref-backend-identifier-at-point 'eglot)))
             (file (and defs (xref-location-group (xref-item-location (car defs))))))
        (e2e-log "definition of len: %s" file)
        (e2e-check (and file (string-suffix-p "builtin.go" file)) "xref jumps to len's definition in builtin.go"))
      (delete-region start (point-max))
      (e2e-check (e2e-wait #'e2e-all-expected 30) "goescape's diagnostics are still there")))

  (when (fboundp 'eglot-inlay-hints-mode)
    ;; 3. inlay hints, drawn: redisplay runs jit-lock, which asks eglot for the hints of
    ;; what is shown; the overlays and the terminal's rows must show them.
    (e2e-check (not noninteractive) "Emacs runs in a terminal (hints are checked on the screen)")
    (e2e-check (bound-and-true-p eglot-inlay-hints-mode) "eglot-inlay-hints-mode is on")
    (let ((want (cl-remove-if-not (lambda (e) (plist-get e :hint)) (plist-get E :diagnostics))))
      (e2e-wait (lambda () (cl-every #'e2e-hint-drawn want)))
      (dolist (h (e2e-hints)) (e2e-log "  hint overlay %d:%d %S" (car (car h)) (cdr (car h)) (cdr h)))
      (dolist (e want)
        (e2e-log "  screen row of line %d: %S" (1+ (plist-get e :line)) (e2e-screen-row (plist-get e :line)))
        (e2e-check (e2e-hint-drawn e)
                   (format "inlay hint %S drawn at %d:%d (overlay and screen %S)"
                           (plist-get (plist-get e :hint) :label)
                           (plist-get (plist-get (plist-get e :hint) :pos) :line)
                           (plist-get (plist-get (plist-get e :hint) :pos) :cp)
                           (e2e-hint-screen-text e))))
      (e2e-check (> e2e-jit-hint-calls 0)
                 (format "jit-lock asked eglot for the hints (%d calls of eglot--update-hints)" e2e-jit-hint-calls))
      ;; 4. goescape-toggle off and on
      (let ((on (goescape-toggle)))
        (e2e-check (not on) "goescape-toggle turns the hints off")
        (e2e-check (e2e-wait (lambda () (e2e-no-hint-drawn want)) 15)
                   "no hint drawn after goescape-toggle (overlays and screen)")
        (setq on (goescape-toggle))
        (e2e-check on "goescape-toggle turns them on again")
        (e2e-check (e2e-wait (lambda () (cl-every #'e2e-hint-drawn want)) 15)
                   "every hint is drawn again (overlays and screen)"))))

  ;; 5. a save re-analyzes: append a function with a new escape
  (let ((s (plist-get E :save)))
    (goto-char (point-max))
    (insert (plist-get s :append))
    (goto-char (point-min))
    (set-buffer-modified-p t)
    (save-buffer)
    (e2e-check (e2e-wait (lambda () (e2e-has-diag s)))
               (concat "after save, " (e2e-diag-text s)))
    (when (fboundp 'eglot-inlay-hints-mode)
      (e2e-check (e2e-wait (lambda () (e2e-hint-drawn s)))
                 (format "after save, inlay hint %S drawn at the new line %d (overlay and screen)"
                         (plist-get (plist-get s :hint) :label) (1+ (plist-get s :line))))
      (e2e-log "  screen row of line %d: %S" (1+ (plist-get s :line)) (e2e-screen-row (plist-get s :line)))))

  ;; 6. a setting changes live (customize-set-variable pushes it to the server)
  (progn
    (let ((off (intern (plist-get E :setting_off)))
          (old goescape-categories))
      (customize-set-variable 'goescape-categories
                              (cons (cons off nil) (assq-delete-all off (copy-alist old))))
      (e2e-check (e2e-wait (lambda () (not (cl-some (lambda (d) (equal (nth 2 d) (symbol-name off))) (e2e-diags)))))
                 (format "goescape-categories %s off removes its diagnostics" off))
      (e2e-check (e2e-diags) "other categories stay")
      (e2e-check (equal (car (last (e2e-sent-keys 'didChangeConfiguration))) '("categories" "debounceMs"))
                 (format "the change sends categories and debounceMs only: %S"
                         (e2e-sent-keys 'didChangeConfiguration)))
      (customize-set-variable 'goescape-categories old)
      (e2e-check (e2e-wait (lambda () (cl-some (lambda (d) (equal (nth 2 d) (symbol-name off))) (e2e-diags))))
                 (format "goescape-categories %s on brings them back" off))
      (e2e-check (cl-every (lambda (keys) (cl-subsetp keys '("categories" "debounceMs") :test #'equal))
                           (append (e2e-sent-keys 'didChangeConfiguration) (e2e-sent-keys 'configuration)))
                 (format "no other setting is ever sent (didChangeConfiguration %S, workspace/configuration %S)"
                         (e2e-sent-keys 'didChangeConfiguration) (e2e-sent-keys 'configuration)))))

  ;; 7. a quick fix: eglot-code-actions lists the line's quickfixes, eglot-execute applies one
  (when (fboundp 'eglot-execute)
    (when (boundp 'eglot-confirm-server-edits) (setq eglot-confirm-server-edits nil))
    (let* ((e (car (plist-get E :diagnostics)))
           (beg (e2e-pos (plist-get e :line) 0))
           (before (save-excursion (goto-char beg) (buffer-substring (line-beginning-position) (line-end-position))))
           (indent (progn (string-match "\\`[ \t]*" before) (match-string 0 before)))
           (want (concat indent "//goescape:ignore"))
           (actions (eglot-code-actions beg beg "quickfix"))
           (ignore (cl-find "Ignore this escape" actions
                            :key (lambda (a) (plist-get a :title)) :test #'equal)))
      (e2e-log "code actions: %S" (mapcar (lambda (a) (plist-get a :title)) actions))
      (when (e2e-check ignore "eglot-code-actions offers \"Ignore this escape\"")
        (eglot-execute (eglot-current-server) ignore)
        (e2e-check (e2e-wait (lambda ()
                               (save-excursion
                                 (goto-char (e2e-pos (plist-get e :line) 0))
                                 (and (equal (buffer-substring (point) (line-end-position)) want)
                                      (progn (forward-line 1)
                                             (equal (buffer-substring (point) (line-end-position)) before))))))
                   (format "\"Ignore this escape\" inserts %S above line %d" want (1+ (plist-get e :line)))))))
  (e2e-finish 0))

(e2e-start #'e2e-run)
